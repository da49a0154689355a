#include "serving/router.h"

#include <stdexcept>

#include "serving/instance.h"

namespace stacksim {

namespace {

class RoundRobin : public Router {
 public:
  size_t pick(const Request&, const std::vector<Instance*>& instances) override {
    for (size_t tried = 0; tried < instances.size(); ++tried) {
      const size_t i = next_++ % instances.size();
      if (instances[i]->up()) return i;
    }
    return kNone;
  }

 private:
  size_t next_ = 0;
};

// Lexicographic best: the highest `score`, then the fewest outstanding tokens, then the
// lowest index.
template <typename Score>
size_t best_of(const std::vector<Instance*>& instances, Score score) {
  size_t best = Router::kNone;
  for (size_t i = 0; i < instances.size(); ++i) {
    if (!instances[i]->up()) continue;
    if (best == Router::kNone) {
      best = i;
      continue;
    }
    const int64_t a = score(*instances[i]), b = score(*instances[best]);
    if (a > b || (a == b && instances[i]->outstanding_tokens() < instances[best]->outstanding_tokens())) best = i;
  }
  return best;
}

class LeastLoaded : public Router {
 public:
  explicit LeastLoaded(const std::vector<int64_t>* loads) : loads_(loads) {}
  size_t pick(const Request&, const std::vector<Instance*>& instances) override {
    if (!loads_) return best_of(instances, [](const Instance&) { return int64_t(0); });
    // The same choice as best_of with equal scores (the fewest outstanding tokens, ties
    // to the lowest index), over the mirrored loads.
    const int64_t* l = loads_->data();
    size_t best = 0;
    for (size_t i = 1; i < loads_->size(); ++i)
      if (l[i] < l[best]) best = i;
    return loads_->empty() || l[best] == Instance::kDownLoad ? kNone : best;
  }

 private:
  const std::vector<int64_t>* loads_;
};

class PrefixAware : public Router {
 public:
  size_t pick(const Request& r, const std::vector<Instance*>& instances) override {
    return best_of(instances, [&](const Instance& in) { return in.cached_prefix_tokens(r); });
  }
};

}  // namespace

std::unique_ptr<Router> make_router(const std::string& type, const std::vector<int64_t>* loads) {
  if (type == "round_robin") return std::make_unique<RoundRobin>();
  if (type == "least_loaded") return std::make_unique<LeastLoaded>(loads);
  if (type == "prefix_aware") return std::make_unique<PrefixAware>();
  throw std::invalid_argument("unknown router type " + type);  // the loader validated it
}

}  // namespace stacksim
