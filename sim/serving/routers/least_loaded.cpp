// least_loaded: the fewest outstanding tokens, ties to the lowest index. The loads sit
// side by side in PoolView::loads() with kDown for instances that are down, so one scan
// of a contiguous array decides.
#include "serving/router.h"

namespace stacksim {

namespace {

class LeastLoaded : public Router {
 public:
  size_t pick(const Request&, const PoolView& pool) override {
    const size_t n = pool.size();
    if (n == 0) return kNone;
    const int64_t* l = pool.loads();
    size_t best = 0;
    for (size_t i = 1; i < n; ++i)
      if (l[i] < l[best]) best = i;
    return l[best] == PoolView::kDown ? kNone : best;
  }
};

}  // namespace

std::unique_ptr<Router> make_least_loaded() { return std::make_unique<LeastLoaded>(); }

}  // namespace stacksim
