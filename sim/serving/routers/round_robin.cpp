// round_robin: the next instance that is up, in turn.
#include "serving/router.h"

namespace stacksim {

namespace {

class RoundRobin : public Router {
 public:
  size_t pick(const Request&, const PoolView& pool) override {
    for (size_t tried = 0; tried < pool.size(); ++tried) {
      const size_t i = next_++ % pool.size();
      if (pool.up(i)) return i;
    }
    return kNone;
  }

 private:
  size_t next_ = 0;
};

}  // namespace

std::unique_ptr<Router> make_round_robin() { return std::make_unique<RoundRobin>(); }

}  // namespace stacksim
