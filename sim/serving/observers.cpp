// The cluster's observers: what --timeline and --trace record as the run goes. They read
// the simulation and never change it: a run's summary is the same with or without them.
#include "serving/cluster.h"

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
      g.energy_joules += power.joules(pool->first_chip + c, calendar.now());
    out.push_back(g);
  }
  return out;
}

void Cluster::sample_timeline() {
  calendar.at(timeline->next_boundary(), this, [](void* c, uint64_t) {
    auto* cluster = static_cast<Cluster*>(c);
    cluster->timeline->close_interval(cluster->gauges());
    if (!cluster->stalled()) cluster->sample_timeline();
  });
}

}  // namespace stacksim
