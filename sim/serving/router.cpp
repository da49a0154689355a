#include "serving/router.h"

#include <stdexcept>

#include "serving/instance.h"

namespace stacksim {

namespace {

class RoundRobin : public Router {
 public:
  size_t pick(const Request&, const std::vector<Instance*>& instances) override {
    const size_t i = next_ % instances.size();
    ++next_;
    return i;
  }

 private:
  size_t next_ = 0;
};

class LeastLoaded : public Router {
 public:
  size_t pick(const Request&, const std::vector<Instance*>& instances) override {
    size_t best = 0;
    for (size_t i = 1; i < instances.size(); ++i)
      if (instances[i]->outstanding_tokens() < instances[best]->outstanding_tokens()) best = i;
    return best;
  }
};

}  // namespace

std::unique_ptr<Router> make_router(const std::string& type) {
  if (type == "round_robin") return std::make_unique<RoundRobin>();
  if (type == "least_loaded") return std::make_unique<LeastLoaded>();
  throw std::invalid_argument("unknown router type " + type);  // the loader validated it
}

}  // namespace stacksim
