// Cluster: the state the serving actors share during one simulation — the pools, the
// request slots, the source's synchronisation and the run's counters — and the moves a
// request makes between them (route, restart, finish). Internal to serving/: simulate()
// (simulation.cpp) builds it and runs its actors: the source (source.cpp), the instances,
// the KV transfer workers (kv_transfer.h) and the failure injector (failures.cpp).
#pragma once

#include <deque>
#include <memory>
#include <simgrid/s4u.hpp>
#include <vector>

#include "config/scenario.h"
#include "metrics/metrics.h"
#include "platform/build.h"
#include "serving/kv_transfer.h"
#include "serving/pool.h"
#include "serving/request_log.h"
#include "serving/simulation.h"
#include "serving/timeline.h"
#include "serving/trace.h"
#include "workload/generator.h"

namespace stacksim {

class Cluster : public InstanceListener {
 public:
  Cluster(const Scenario& sc, std::unique_ptr<Generator> gen) : sc(sc), gen(std::move(gen)) {
    metrics.set_warmup(sc.warmup);
  }

  // Creates the pools and starts their instances on `hosts`, then the source and
  // (when chips fail) the failure injector.
  void start(ClusterHosts hosts);
  // After the engine ran: the run's statistics (energy read from the chips).
  void finish();

  void on_complete(Request& r, double now) override;
  void on_prefilled(Request& r, Instance& from, double now) override;
  void on_decode_step(double start, double duration, int64_t seqs) override {
    metrics.decode_step(start, duration, seqs);
  }
  // The observers' calls (observers.cpp): to the timeline and the trace.
  void on_step(const Instance& in, const BatchShape& b, const StepTime& t, double start, double duration,
               double kv_tokens, double output_tokens) override;
  void on_preempted(const Instance& in, const Request& r, double now) override;
  // Wake-ups wait until the actor handing out requests is done with this instant
  // (flush_wakes(), before it blocks): requests arriving together start together, however
  // SimGrid interleaves the actors a notification lets run.
  void wake_soon(Instance& in) override { wakes_.push_back(&in); }
  void flush_wakes() {
    std::vector<Instance*> wakes;
    wakes.swap(wakes_);
    for (Instance* in : wakes) in->wake();
  }

  // A request lost its progress to a chip failure: it starts again from its prompt, or is
  // rejected once it has started again failures.max_retries times.
  void restart(Request* r);
  // Rejects r (holding no instance's resources) for `reason`.
  void reject(Request& r, size_t pool, const char* reason);
  // After the run: a record for each request still in flight (those that ended have theirs).
  void log_in_flight();

  // Nothing can move any more: requests remain, the source waits for them, no instance
  // is stepping, no KV is on its way and none waits for a failed instance. A deadlock: the
  // daemon actors (timeline, failures) stop, so that SimGrid sees it and the run fails
  // its end check, instead of running forever.
  bool stalled() const;

  // The source actor (source.cpp): submits the generator's requests at their arrival
  // times, then waits for the last to finish (or the horizon).
  void source();

  const Scenario& sc;
  std::unique_ptr<Generator> gen;
  ClusterHosts hosts;
  std::vector<std::unique_ptr<Pool>> pools;  // [0]: colocated or prefill; [1]: decode
  MetricsCollector metrics;
  RunStats run;
  EndCounts end;                       // for check_end_invariants
  std::unique_ptr<RequestLog> log;     // --requests: a record per request (nullptr: none)
  std::unique_ptr<Timeline> timeline;  // --timeline (nullptr: none)
  std::unique_ptr<Trace> trace;        // --trace (nullptr: none)
  std::unique_ptr<Progress> progress;  // the progress display (nullptr: none)
  bool step_by_step = false;           // no coalesced decode (RunOutputs::step_by_step)
  // The pool an instance belongs to (the decode pool is the second).
  static size_t pool_index(const Instance& in) { return in.role() == Instance::Role::Decode ? 1 : 0; }

 private:
  void submit(const RequestSpec& spec);
  // The timeline's sampler actor: closes each interval at its end (observers.cpp).
  void sample_timeline();
  std::vector<Timeline::Gauges> gauges() const;
  // r completed or was rejected: its slot is reused by a later request (memory stays
  // O(requests in flight); stale pointers to it are recognised by its epoch).
  void finished_one(Request& r, double now);
  void tick(double now) {
    if (progress) progress->tick(*gen, now, end.completed + end.rejected, outstanding_);
  }
  bool past_horizon(double t) const { return sc.horizon > 0 && t > sc.horizon; }
  bool wait_for_progress();

  std::vector<Instance*> wakes_;  // instances to wake (wake_soon)
  std::deque<Request> requests_;  // slots; a finished request's slot goes to free_
  std::vector<Request*> free_;
  int64_t next_id_ = 0;
  std::unique_ptr<KvTransfers> transfers_;
  // Released to wake the source (a spare token costs a spurious wake-up, no more).
  simgrid::s4u::SemaphorePtr wake_;
  bool source_woken_ = false;  // a release is pending
  void wake_source() {
    if (source_woken_) return;
    source_woken_ = true;
    wake_->release();
  }
  // The source waits until `until` (infinity: until woken); true when the time came first.
  bool source_wait(double until);
  int64_t outstanding_ = 0;
  double end_time_ = 0;
  const bool reacts_ = gen->reacts_to_completions();
  bool draining_ = false;
  double waiting_until_ = 0;                          // when the source's wait ends (infinity: at a completion)
  bool source_waits_ = false;                         // the source waits for a completion, with no arrival due
  const bool batch_jobs_ = sc.workload.deadline > 0;  // requests are grouped in jobs (session = job id)
};

// The failure injector actor (failures.cpp).
void inject_failures(Cluster& c);

}  // namespace stacksim
