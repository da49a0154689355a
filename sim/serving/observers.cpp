// The cluster's observers: what --timeline and --trace record as the run goes. They read
// the simulation and never change it: a run's summary is the same with or without them.
#include <simgrid/plugins/energy.h>

#include "serving/cluster.h"

namespace sg4 = simgrid::s4u;

namespace stacksim {

void Cluster::on_step(const Instance& in, const BatchShape& b, const StepTime& t, double start, double duration,
                      double kv_tokens, double output_tokens) {
  const size_t pool = pool_index(in);
  if (timeline) timeline->step(pool, start, duration, double(b.prefill_tokens), output_tokens, kv_tokens);
  if (trace) trace->step(pool, in.index(), start, duration, b, t, duration - t.total);
}

void Cluster::on_preempted(const Instance& in, const Request& r, double now) {
  if (trace) trace->instant(pool_index(in), in.index(), "preemption", now, r.id);
}

std::vector<Timeline::Gauges> Cluster::gauges() const {
  std::vector<Timeline::Gauges> out;
  for (const auto& pool : pools) {
    Timeline::Gauges g;
    g.queue = int64_t(pool->pending.size());
    double capacity = 0;
    for (const auto& in : pool->instances) {
      g.queue += in->waiting_requests();
      g.running += in->running();
      g.kv_used += in->kv_used();
      capacity += double(in->kv_capacity());
    }
    g.kv_capacity = capacity;
    for (int c : pool->down_chips) g.chips_down += c;
    for (int c = 0; c < pool->spec->serving.chips; ++c)
      g.energy_joules += sg_host_get_consumed_energy(hosts.chips[size_t(pool->first_chip + c)]);
    out.push_back(g);
  }
  return out;
}

void Cluster::sample_timeline() {
  while (true) {
    sg4::this_actor::sleep_until(timeline->next_boundary());
    timeline->close_interval(gauges());
    if (stalled()) return;
  }
}

}  // namespace stacksim
