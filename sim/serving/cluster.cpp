#include "serving/cluster.h"

#include <cmath>
#include <unordered_set>

namespace stacksim {

void Cluster::start(ClusterHosts h) {
  hosts = std::move(h);
  int first_chip = 0;
  for (const PoolSpec& spec : sc.pools) {
    pools.push_back(std::make_unique<Pool>(spec, first_chip, this, sc.workload.block_tokens, &calendar));
    Pool& pool = *pools.back();
    for (int c = 0; c < spec.serving.chips; ++c)
      power.add(spec.platform.chip.power_idle, spec.platform.chip.power_busy);
    const int per = spec.serving.chips_per_instance;
    for (size_t i = 0; i < pool.instances.size(); ++i) {
      pool.instances[i]->start(&calendar, &power, first_chip + int(i) * per, per);
      if (timeline || trace) pool.instances[i]->observe();
      pool.instances[i]->set_coalescing(!step_by_step, sc.horizon, timeline ? timeline->interval() : 0);
    }
    first_chip += spec.serving.chips;
  }
  transfers_ = std::make_unique<KvTransfers>(
      &calendar, &run, &hosts,
      [this](Request* r, double t) {
        if (r->first_token < 0) r->first_token = t;
        const size_t to = pools[1]->route(r);
        if (timeline) timeline->arrival(1, t);
        if (trace && to != Router::kNone) trace->transfer_in(int(to), r->id, r->prefill_end, t);
        flush_wakes();
      },
      [this](Request* r) {
        restart(r);
        flush_wakes();
      });
  // The run covers [0, horizon): it stops at the horizon before anything else due then
  // (an arrival at the horizon is past it: Cluster::past_horizon).
  if (sc.horizon > 0)
    calendar.at(sc.horizon, this, [](void* c, uint64_t) {
      auto* cluster = static_cast<Cluster*>(c);
      cluster->end_run(cluster->sc.horizon);
    });
  schedule_source(0);
  if (sc.failures.mtbf_per_chip > 0) inject_failures(*this);
  if (timeline) sample_timeline();
}

void Cluster::finish() {
  for (size_t p = 0; p < pools.size(); ++p)
    for (const auto& in : pools[p]->instances) {
      const double excess = in->trim_busy(end_time_);
      if (timeline) timeline->trim_busy(p, excess);
    }
  if (timeline) timeline->finish(end_time_, gauges());
  run.end_time = end_time_;
  run.calendar_events = calendar.fired();
  run.in_flight = outstanding_;
  end.in_flight = outstanding_;
  for (const auto& pool : pools) {
    RunStats::Pool p;
    p.spec = pool->spec;
    p.kv_tokens_per_instance = pool->perf->memory().kv_tokens_per_instance;
    p.energy_joules = 0;  // measured (its default, -1, means not measured)
    for (int c = 0; c < pool->spec->serving.chips; ++c)
      p.energy_joules += power.joules(pool->first_chip + c, end_time_);
    for (size_t i = 0; i < pool->instances.size(); ++i) {
      p.totals.add(pool->instances[i]->totals());
      if (pool->down_chips[i] > 0)
        run.lost_chip_seconds += (end_time_ - pool->down_since[i]) * pool->spec->serving.chips_per_instance;
    }
    end.kv_overflows += p.totals.kv_overflows;
    run.pools.push_back(p);
  }
  // Release SimGrid objects while the engine still exists.
  transfers_->close();
}

void Cluster::on_complete(Request& r, double now) {
  ++end.completed;
  end.output_requested += r.spec.output_tokens;
  end.output_produced += r.generated;
  metrics.completed(r.spec.arrival, r.first_token, now, r.spec.input_tokens, r.spec.output_tokens,
                    sc.workload.slo_of(r.spec.stream), batch_jobs_ ? r.spec.session : -1);
  if (log) log->write(r, "completed", now);
  if (timeline) timeline->completed(pools.size() - 1, now, r.spec.input_tokens, r.spec.output_tokens);
  finished_one(r, now);
}

void Cluster::on_prefilled(Request& r, Instance& from, double now) {
  Pool& src = *pools[0];
  Pool& dst = *pools[1];
  const size_t to = dst.router->pick(r, dst);
  const size_t src_chip = src.chip_of(size_t(from.index()), r.id);
  const size_t dst_chip = to == Router::kNone ? KvTransfers::kNoChip : dst.chip_of(to, r.id);
  const double bytes = src.spec->model.kv_bytes(double(r.prompt_tokens));
  if (trace) trace->transfer_out(from.index(), r.id, now);
  transfers_->start(&r, &from, src_chip, dst_chip, bytes, now);
}

void Cluster::restart(Request* r) {
  if (r->retries >= sc.failures.max_retries) {
    reject(*r, 0, "instance_failures");
    return;
  }
  ++r->retries;
  ++run.retried;
  ++r->epoch;
  r->prompt_tokens = r->spec.input_tokens;
  r->prefilled = r->generated = r->kv_static = r->pinned_blocks = 0;
  r->swapped = false;
  r->load_time = 0;
  pools[0]->route(r);
}

void Cluster::log_in_flight() {
  if (!log) return;
  const std::unordered_set<const Request*> free(free_.begin(), free_.end());
  for (const Request& r : requests_)
    if (!free.count(&r)) log->write(r, "in_flight", -1);
}

void Cluster::finished_one(Request& r, double now) {
  --outstanding_;
  tick(now);
  gen->on_complete(r.spec, now);
  free_.push_back(&r);
  // A completion readies the source when it waits for one, or when the generator now has
  // a request due before the arrival the source waits for (the next turn of a session).
  if (draining_) {
    if (outstanding_ == 0) end_run(now);
    return;
  }
  if (!reacts_ || held_) return;
  double at;
  if (source_waits_) {
    source_waits_ = false;
    schedule_source(now);
  } else if (gen->peek(&at) && at + sc.pools[0].serving.frontend_latency < source_at_)
    schedule_source(std::max(now, at + sc.pools[0].serving.frontend_latency));
}

}  // namespace stacksim
