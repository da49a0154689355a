// Chip failures: exponential times to failure per chip, a fixed repair time. A failed
// chip is turned off in SimGrid (flows through it fail) and takes its instance down;
// the instance's requests start again elsewhere. When the instance is whole again, the
// requests that waited for its pool to come back are routed.
#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>

#include "serving/cluster.h"
#include "util/rng.h"

namespace sg4 = simgrid::s4u;

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

void inject_failures(Cluster& c) {
  const Failures& f = c.sc.failures;
  Rng rng(stream_seed(c.sc.seed, "failures"));
  auto next_failure = [&](double now) { return now - f.mtbf_per_chip * std::log(1 - rng.uniform()); };
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events;
  for (int chip = 0; chip < static_cast<int>(c.hosts.chips.size()); ++chip) events.push({next_failure(0), false, chip});
  while (!events.empty()) {
    const Event e = events.top();
    // Wake for the next failure or repair, or when the longest-waiting pending request
    // of a pool has waited max_wait (one that starts waiting meanwhile is seen then).
    double wake = e.time;
    for (const auto& pool : c.pools)
      if (!pool->pending.empty()) wake = std::min(wake, pool->pending.front()->pending_since + f.max_wait);
    const double now = sg4::Engine::get_clock();
    c.flush_wakes();
    ++c.run.failure_activities;
    if (wake > now) sg4::this_actor::sleep_for(wake - now);
    const double t = sg4::Engine::get_clock();
    if (c.stalled()) return;
    const double due = std::max(t, wake);  // the clock may land an ulp short of `wake`
    for (size_t p = 0; p < c.pools.size(); ++p) {
      std::deque<Request*>& pending = c.pools[p]->pending;
      while (!pending.empty() && pending.front()->pending_since + f.max_wait <= due) {
        Request* r = pending.front();
        pending.pop_front();
        c.reject(*r, p, "no_instance_up");
      }
    }
    if (due < e.time) continue;
    events.pop();
    Pool& pool = pool_of(c, e.chip);
    const size_t i = size_t((e.chip - pool.first_chip) / pool.spec->serving.chips_per_instance);
    Instance& in = *pool.instances[i];
    const size_t p = &pool == c.pools[0].get() ? 0 : 1;
    if (!e.repair) {
      c.hosts.chips[size_t(e.chip)]->turn_off();
      ++c.run.chip_failures;
      if (c.trace) c.trace->instant(p, int(i), "chip failure", t);
      if (pool.down_chips[i]++ == 0) {
        pool.down_since[i] = t;
        for (Request* r : in.fail()) c.restart(r);
      }
      events.push({t + f.repair_time, true, e.chip});
    } else {
      c.hosts.chips[size_t(e.chip)]->turn_on();
      if (c.trace) c.trace->instant(p, int(i), "chip repaired", t);
      if (--pool.down_chips[i] == 0) {
        c.run.lost_chip_seconds += (t - pool.down_since[i]) * pool.spec->serving.chips_per_instance;
        in.repair();
        std::deque<Request*> waiting;
        waiting.swap(pool.pending);
        for (Request* r : waiting) pool.route(r);
      }
      events.push({next_failure(t), false, e.chip});
    }
  }
}

}  // namespace stacksim
