// Cluster: the state the serving events share during one simulation — the pools, the
// request slots, the calendar and the run's counters — and the moves a request makes
// between them (route, restart, finish). Internal to serving/: simulate() (simulation.cpp)
// builds it and runs its calendar (serving/calendar.h), whose events are the source's
// (source.cpp), the instances', the failure injector's (failures.cpp) and the timeline's;
// the KV transfers (kv_transfer.h) are SimGrid flows.
#pragma once

#include <cmath>
#include <deque>
#include <memory>
#include <simgrid/s4u.hpp>
#include <vector>

#include "config/scenario.h"
#include "metrics/metrics.h"
#include "platform/build.h"
#include "serving/calendar.h"
#include "serving/chip_power.h"
#include "serving/kv_transfer.h"
#include "serving/pool.h"
#include "serving/request_log.h"
#include "serving/simulation.h"
#include "serving/timeline.h"
#include "serving/trace.h"
#include "workload/generator.h"

namespace stacksim {

class FailureInjector;

class Cluster : public InstanceListener {
 public:
  Cluster(const Scenario& sc, std::unique_ptr<Generator> gen) : sc(sc), gen(std::move(gen)) {
    metrics.set_warmup(sc.warmup);
  }

  // Creates the pools and their instances on `hosts` and schedules the first events: the
  // source's, the failure injector's (when chips fail), the timeline's, the horizon.
  void start(ClusterHosts hosts);
  // Runs the calendar to the end (inside a SimGrid actor: KV flows wait on SimGrid).
  void run_calendar() { calendar.run(transfers_.get()); }
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
  // Wake-ups wait until the event handing out requests is done with this instant
  // (flush_wakes(), at its end): requests arriving together start together.
  void wake_soon(Instance& in) override { wakes_.push_back(&in); }
  void flush_wakes() {
    std::vector<Instance*> wakes;
    wakes.swap(wakes_);
    for (Instance* in : wakes) in->wake();
  }

  // A request lost its progress to a chip failure: it starts again from its prompt, or is
  // rejected once it has started again failures.max_retries times.
  void restart(Request* r);
  // A chip is about to go off (serving/kv_transfer.h).
  void kv_chip_failing(double now) { transfers_->chip_failing(now); }
  // Rejects r (holding no instance's resources) for `reason`.
  void reject(Request& r, size_t pool, const char* reason);
  // After the run: a record for each request still in flight (those that ended have theirs).
  void log_in_flight();

  // Nothing can move any more: requests remain, the source waits for them (or has no
  // more), no instance is stepping, no KV is on its way and none waits for a failed
  // instance. A deadlock: the timeline and the failure injector stop scheduling events,
  // so that the calendar runs out and the run fails its end check, instead of running
  // forever.
  bool stalled() const;

  // The source's event (source.cpp): submits the generator's requests due now, then
  // schedules itself for the next arrival, or waits for a completion, or drains.
  void source();
  static void on_source(void* c, uint64_t token) {
    auto* cluster = static_cast<Cluster*>(c);
    if (token == cluster->source_token_) cluster->source();
  }

  const Scenario& sc;
  std::unique_ptr<Generator> gen;
  ClusterHosts hosts;
  std::vector<std::unique_ptr<Pool>> pools;  // [0]: colocated or prefill; [1]: decode
  MetricsCollector metrics;
  RunStats run;
  EndCounts end;                                      // for check_end_invariants
  std::unique_ptr<RequestLog> log;                    // --requests: a record per request (nullptr: none)
  std::unique_ptr<Timeline> timeline;                 // --timeline (nullptr: none)
  std::unique_ptr<Trace> trace;                       // --trace (nullptr: none)
  std::unique_ptr<Progress> progress;                 // the progress display (nullptr: none)
  std::shared_ptr<FailureInjector> failure_injector;  // failures.cpp (nullptr: chips never fail)
  bool step_by_step = false;                          // no coalesced decode (RunOutputs::step_by_step)
  Calendar calendar;
  ChipPower power;  // the chips' energy
  // The pool an instance belongs to (the decode pool is the second).
  static size_t pool_index(const Instance& in) { return in.role() == Instance::Role::Decode ? 1 : 0; }

 private:
  void submit(const RequestSpec& spec);
  // The timeline's sampler: closes each interval at its end (observers.cpp).
  void sample_timeline();
  // The source has no more requests: the run ends once the last has finished.
  void drain();
  void end_run(double t) {
    end_time_ = t;
    calendar.stop();
  }
  std::vector<Timeline::Gauges> gauges() const;
  // r completed or was rejected: its slot is reused by a later request (memory stays
  // O(requests in flight); stale pointers to it are recognised by its epoch).
  void finished_one(Request& r, double now);
  void tick(double now) {
    if (progress) progress->tick(*gen, now, end.completed + end.rejected, outstanding_);
  }
  bool past_horizon(double t) const { return sc.horizon > 0 && t >= sc.horizon; }

  std::vector<Instance*> wakes_;  // instances to wake (wake_soon)
  std::deque<Request> requests_;  // slots; a finished request's slot goes to free_
  std::vector<Request*> free_;
  int64_t next_id_ = 0;
  std::unique_ptr<KvTransfers> transfers_;
  // The source's next event: at source_at_ (infinity: none; it waits for a completion),
  // with token source_token_ (an earlier one replaces it: older tokens are stale).
  uint64_t source_token_ = 0;
  double source_at_ = INFINITY;
  void schedule_source(double at) {
    source_at_ = at;
    calendar.at(at, this, on_source, ++source_token_);
  }
  // A generator that cannot tell ahead gave a request not yet due: submitted at its time.
  bool held_ = false;
  RequestSpec held_spec_;
  int64_t outstanding_ = 0;
  double end_time_ = 0;
  const bool reacts_ = gen->reacts_to_completions();
  bool draining_ = false;
  bool source_waits_ = false;                         // the source waits for a completion, with no arrival due
  const bool batch_jobs_ = sc.workload.deadline > 0;  // requests are grouped in jobs (session = job id)
};

// The failure injector (failures.cpp): schedules its events on c's calendar.
void inject_failures(Cluster& c);

}  // namespace stacksim
