// The source actor: pulls requests from the generator at their arrival times, rejects
// those that can never fit, routes the rest to the first pool.
#include <cmath>

#include "serving/cluster.h"

namespace sg4 = simgrid::s4u;

namespace stacksim {

bool Cluster::wait_for_progress() {
  if (sc.horizon > 0) return !source_wait(sc.horizon);
  source_waits_ = true;
  source_wait(INFINITY);
  source_waits_ = false;
  return true;
}

bool Cluster::source_wait(double until) {
  // Before anything that lets other actors run (flush_wakes): a completion meanwhile must
  // see what the source is about to wait for, and wake it if it readies something sooner
  // (its release then leaves a token, and the wait below returns at once).
  waiting_until_ = until;
  flush_wakes();
  ++run.source_activities;
  bool timed_out = true;
  const double now = sg4::Engine::get_clock();
  if (std::isinf(until))
    wake_->acquire();
  else if (until > now)  // (SimGrid waits forever on a timeout of 0)
    timed_out = wake_->acquire_timeout(until - now);
  source_woken_ = false;
  return timed_out;
}

bool Cluster::stalled() const {
  if (!source_waits_ || outstanding_ == 0 || transfers_->busy()) return false;
  for (const auto& pool : pools) {
    if (!pool->pending.empty()) return false;
    for (const auto& in : pool->instances)
      if (!in->idle()) return false;
  }
  return true;
}

void Cluster::source() {
  RequestSpec spec;
  // Each request reaches the first pool this long after its arrival (the front end).
  const double frontend = sc.pools[0].serving.frontend_latency;
  while (true) {
    double at;
    if (gen->peek(&at)) {
      at += frontend;
      if (past_horizon(at)) break;
      const double now = sg4::Engine::get_clock();
      if (at > now) {
        // Wait for that arrival, or for a completion that readies an earlier request
        // (the next turn of a session): then look again.
        source_wait(at);
        continue;
      }
      gen->next(&spec);
      submit(spec);
      continue;
    }
    if (gen->next(&spec)) {  // a generator that cannot tell ahead
      if (past_horizon(spec.arrival + frontend)) break;
      const double now = sg4::Engine::get_clock();
      if (spec.arrival + frontend > now) {
        flush_wakes();
        ++run.source_activities;
        sg4::this_actor::sleep_for(spec.arrival + frontend - now);
      }
      submit(spec);
      continue;
    }
    if (gen->exhausted()) break;
    if (!wait_for_progress()) break;  // closed loop: the next request follows a completion
  }
  flush_wakes();
  draining_ = true;
  metrics.arrivals_ended();
  while (outstanding_ > 0)
    if (!wait_for_progress()) break;
  end_time_ = sg4::Engine::get_clock();
  // Let the idle instances' actors end on their own before the engine ends the daemons.
  for (const auto& pool : pools)
    for (const auto& in : pool->instances) in->shut_down();
  sg4::this_actor::yield();
  if (sc.horizon > 0 && outstanding_ > 0) end_time_ = sc.horizon;
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
  if (timeline) timeline->arrival(0, sg4::Engine::get_clock());
  tick(sg4::Engine::get_clock());
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
  const double now = sg4::Engine::get_clock();
  metrics.rejected(reason);
  if (log) log->write(r, "rejected", -1, reason);
  if (timeline) timeline->rejected(pool, now);
  ++end.rejected;
  finished_one(r, now);
}

}  // namespace stacksim
