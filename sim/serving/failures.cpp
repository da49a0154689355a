// Chip failures: exponential times to failure per chip, a fixed repair time. A failed
// chip is turned off in SimGrid (flows through it fail) and takes its instance down;
// the instance's requests start again elsewhere. When the instance is whole again, the
// requests that waited for its pool to come back are routed.
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <queue>

#include "serving/cluster.h"
#include "util/rng.h"

namespace stacksim {

namespace {

struct Event {
  double time;
  bool repair;
  int chip;
  bool operator>(const Event& o) const { return time != o.time ? time > o.time : chip > o.chip; }
};

// The pool holding chip `chip` (pools are laid out one after another).
Pool& pool_of(Cluster& c, int chip) {
  Pool* pool = c.pools[0].get();
  for (const auto& p : c.pools)
    if (chip >= p->first_chip && chip < p->first_chip + p->spec->serving.chips) pool = p.get();
  return *pool;
}

}  // namespace

// The injector: its own queue of failures and repairs, and one event on the calendar at
// a time (the next failure, repair or pending request's deadline).
class FailureInjector {
 public:
  explicit FailureInjector(Cluster& c) : c_(c), f_(c.sc.failures), rng_(stream_seed(c.sc.seed, "failures")) {
    for (int chip = 0; chip < static_cast<int>(c.hosts.chips.size()); ++chip)
      events_.push({next_failure(0), false, chip});
  }
  // Wakes for the next failure or repair, or when the longest-waiting pending request of a
  // pool has waited max_wait (one that starts waiting meanwhile is seen then).
  void schedule() {
    if (events_.empty()) return;
    double wake = events_.top().time;
    for (const auto& pool : c_.pools)
      if (!pool->pending.empty()) wake = std::min(wake, pool->pending.front()->pending_since + f_.max_wait);
    c_.flush_wakes();
    wake_ = std::max(wake, c_.calendar.now());
    c_.calendar.at(wake_, this, [](void* in, uint64_t) {
      auto* injector = static_cast<FailureInjector*>(in);
      ++injector->c_.run.failure_events;
      injector->fire();
    });
  }

 private:
  double next_failure(double now) { return now - f_.mtbf_per_chip * std::log(1 - rng_.uniform()); }
  void fire();
  void fail(const Event& e, Pool& pool, size_t p, size_t i, double t);
  void repair(const Event& e, Pool& pool, size_t p, size_t i, double t);

  Cluster& c_;
  const Failures& f_;
  Rng rng_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  double wake_ = 0;
};

void FailureInjector::fire() {
  const double t = c_.calendar.now();
  if (c_.stalled()) return;
  for (size_t p = 0; p < c_.pools.size(); ++p) {
    std::deque<Request*>& pending = c_.pools[p]->pending;
    while (!pending.empty() && pending.front()->pending_since + f_.max_wait <= wake_) {
      Request* r = pending.front();
      pending.pop_front();
      c_.reject(*r, p, "no_instance_up");
    }
  }
  if (wake_ >= events_.top().time) {
    const Event e = events_.top();
    events_.pop();
    Pool& pool = pool_of(c_, e.chip);
    const size_t i = size_t((e.chip - pool.first_chip) / pool.spec->serving.chips_per_instance);
    const size_t p = &pool == c_.pools[0].get() ? 0 : 1;
    if (e.repair)
      repair(e, pool, p, i, t);
    else
      fail(e, pool, p, i, t);
  }
  schedule();
}

void FailureInjector::fail(const Event& e, Pool& pool, size_t p, size_t i, double t) {
  // Off in SimGrid too: the flows through it fail at t (without any under way, SimGrid's
  // clock may stay behind: the chip's state matters from the next flow on).
  c_.kv_chip_failing(t);
  c_.hosts.chips[size_t(e.chip)]->turn_off();
  c_.power.set_on(e.chip, false, t);
  ++c_.run.chip_failures;
  if (c_.trace) c_.trace->instant(p, int(i), "chip failure", t);
  if (pool.down_chips[i]++ == 0) {
    pool.down_since[i] = t;
    for (Request* r : pool.instances[i]->fail()) c_.restart(r);
  }
  events_.push({t + f_.repair_time, true, e.chip});
}

void FailureInjector::repair(const Event& e, Pool& pool, size_t p, size_t i, double t) {
  c_.hosts.chips[size_t(e.chip)]->turn_on();
  c_.power.set_on(e.chip, true, t, pool.instances[i]->stepping());
  if (c_.trace) c_.trace->instant(p, int(i), "chip repaired", t);
  if (--pool.down_chips[i] == 0) {
    c_.run.lost_chip_seconds += (t - pool.down_since[i]) * pool.spec->serving.chips_per_instance;
    pool.instances[i]->repair();
    std::deque<Request*> waiting;
    waiting.swap(pool.pending);
    for (Request* r : waiting) pool.route(r);
  }
  events_.push({next_failure(t), false, e.chip});
}

void inject_failures(Cluster& c) {
  auto injector = std::make_shared<FailureInjector>(c);
  c.failure_injector = injector;
  injector->schedule();
}

}  // namespace stacksim
