// The source: pulls requests from the generator at their arrival times (an event on the
// calendar for each instant with arrivals), rejects those that can never fit, routes the
// rest to the first pool.
#include <cmath>

#include "serving/cluster.h"

namespace stacksim {

bool Cluster::stalled() const {
  // (With a horizon the run ends there: never stalled.)
  if (sc.horizon > 0 || !(source_waits_ || draining_) || outstanding_ == 0 || transfers_->busy()) return false;
  for (const auto& pool : pools) {
    if (!pool->pending.empty()) return false;
    for (const auto& in : pool->instances)
      if (!in->idle()) return false;
  }
  return true;
}

void Cluster::source() {
  source_at_ = INFINITY;
  source_waits_ = false;
  ++run.source_events;
  RequestSpec spec;
  // Each request reaches the first pool this long after its arrival (the front end).
  const double frontend = sc.pools[0].serving.frontend_latency;
  const double now = calendar.now();
  while (!calendar.stopped()) {
    double at;
    if (held_) {  // due now: its event
      held_ = false;
      submit(held_spec_);
      continue;
    }
    if (gen->peek(&at)) {
      at += frontend;
      if (past_horizon(at)) break;
      if (at > now) {
        // Wait for that arrival, or for a completion that readies an earlier request
        // (the next turn of a session: finished_one schedules the source sooner).
        schedule_source(at);
        flush_wakes();
        return;
      }
      gen->next(&spec);
      submit(spec);
      continue;
    }
    if (gen->next(&spec)) {  // a generator that cannot tell ahead
      if (past_horizon(spec.arrival + frontend)) break;
      if (spec.arrival + frontend > now) {
        held_ = true;
        held_spec_ = spec;
        schedule_source(spec.arrival + frontend);
        flush_wakes();
        return;
      }
      submit(spec);
      continue;
    }
    if (gen->exhausted()) break;
    // Closed loop: the next request follows a completion (finished_one).
    source_waits_ = true;
    flush_wakes();
    return;
  }
  flush_wakes();
  drain();
}

void Cluster::drain() {
  draining_ = true;
  metrics.arrivals_ended();
  if (outstanding_ == 0) end_run(calendar.now());
}

void Cluster::submit(const RequestSpec& spec) {
  Request* slot;
  if (free_.empty()) {
    slot = &requests_.emplace_back();
  } else {
    slot = free_.back();
    free_.pop_back();
    const uint32_t epoch = slot->epoch + 1;  // void whatever still points at its last use
    *slot = Request();
    slot->epoch = epoch;
  }
  Request& r = *slot;
  r.id = next_id_++;
  r.spec = spec;
  r.prompt_tokens = spec.input_tokens;
  metrics.generated(batch_jobs_ ? spec.session : -1, spec.arrival);
  ++end.generated;
  ++outstanding_;
  if (timeline) timeline->arrival(0, calendar.now());
  tick(calendar.now());
  const int64_t need = spec.input_tokens + spec.output_tokens;
  const char* reason = nullptr;
  if (need > sc.pools[0].model.max_context) reason = "exceeds_model_context";
  for (const auto& p : pools) {
    // A sequence's KV lives on its rank, or spread over its context-parallel ranks (the
    // decode that follows is still charged as if its KV were on one rank).
    const MemoryPlan& mem = p->perf->memory();
    const int64_t held = mem.held_tokens(p->spec->role == "prefill" ? spec.input_tokens : need);
    if (!reason && held > mem.kv_tokens_per_rank * p->spec->serving.context_parallel) reason = "exceeds_kv_capacity";
  }
  if (reason) {
    reject(r, 0, reason);
    return;
  }
  pools[0]->route(&r);
}

void Cluster::reject(Request& r, size_t pool, const char* reason) {
  const double now = calendar.now();
  metrics.rejected(reason);
  if (log) log->write(r, "rejected", -1, reason);
  if (timeline) timeline->rejected(pool, now);
  ++end.rejected;
  finished_one(r, now);
}

}  // namespace stacksim
