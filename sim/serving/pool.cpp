#include "serving/pool.h"

namespace stacksim {

namespace {

Instance::Role role_of(const std::string& r) {
  return r == "prefill" ? Instance::Role::Prefill : r == "decode" ? Instance::Role::Decode : Instance::Role::Colocated;
}

}  // namespace

Pool::Pool(const PoolSpec& s, int first, InstanceListener* listener, int64_t block_tokens, const Calendar* cal)
    : spec(&s),
      perf(std::make_unique<PerfModel>(s.model, s.platform, s.serving)),
      router(routers().make(s.serving.router)),
      first_chip(first),
      calendar(cal),
      board_(size_t(s.serving.instances())) {
  for (int i = 0; i < s.serving.instances(); ++i) {
    instances.push_back(
        std::make_unique<Instance>(i, role_of(s.role), *perf, s.serving, listener, block_tokens, &board_));
    down_chips.push_back(0);
    down_since.push_back(0);
  }
}

size_t Pool::chip_of(size_t i, int64_t id) const {
  const Serving& s = spec->serving;
  const int rank = static_cast<int>(id % s.dp_ranks());
  return size_t(first_chip) + i * size_t(s.chips_per_instance) + size_t(rank * s.attention_tp);
}

size_t Pool::route(Request* r) {
  const size_t i = router->pick(*r, *this);
  if (i == Router::kNone) {  // every instance is down
    r->pending_since = calendar->now();
    pending.push_back(r);
  } else
    instances[i]->enqueue(r);
  return i;
}

}  // namespace stacksim
