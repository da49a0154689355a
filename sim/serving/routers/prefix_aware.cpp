// prefix_aware: the instance caching the longest prefix of the prompt, then the least
// loaded (SGLang's cache-aware routing without its load threshold).
#include "serving/routers/best_of.h"

namespace stacksim {

namespace {

class PrefixAware : public Router {
 public:
  size_t pick(const Request& r, const PoolView& pool) override {
    return best_of(pool, [&](size_t i) { return pool.cached_prefix_tokens(i, r); });
  }
};

}  // namespace

std::unique_ptr<Router> make_prefix_aware() { return std::make_unique<PrefixAware>(); }

}  // namespace stacksim
