// least_loaded: the fewest outstanding tokens, ties to the lowest index
// (PoolView::least_loaded: the pool keeps it at the root of a tournament tree).
#include "serving/router.h"

namespace stacksim {

namespace {

class LeastLoaded : public Router {
 public:
  size_t pick(const Request&, const PoolView& pool) override {
    if (pool.size() == 0) return kNone;
    const size_t best = pool.least_loaded();
    return pool.up(best) ? best : kNone;
  }
};

}  // namespace

std::unique_ptr<Router> make_least_loaded() { return std::make_unique<LeastLoaded>(); }

}  // namespace stacksim
