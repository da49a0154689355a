// simulate(): runs one scenario on the SimGrid engine and returns its summary.
//
// The events (serving/calendar.h): the source's (pulls requests from the generator at
// their arrival times, rejects those that can never fit, routes the rest), the instances'
// steps, and the KV flows SimGrid carries. The run ends when every request has completed
// or been rejected, or at the horizon.
//
// SimGrid keeps global state: call simulate() at most once per process (the CLI and
// the tests run each scenario in a child process, see sweep/isolate.h).
#pragma once

#include <memory>

#include "config/scenario.h"
#include "metrics/summary.h"
#include "serving/progress.h"
#include "workload/generator.h"

namespace stacksim {

// What a simulation streams to files besides its summary (each empty: none). The files
// hold rows or events only: the caller adds the header and moves them into place.
struct RunOutputs {
  std::string requests_csv;  // a record per request (serving/request_log.h)
  std::string timeline_csv;  // a row per interval and pool (serving/timeline.h)
  double timeline_interval = 1;
  std::string trace_json;  // Chrome trace events (serving/trace.h)
  size_t trace_index = 0;  // the simulation's place among the run's variants
  double trace_from = 0, trace_to = 10;
  ProgressMode progress = ProgressMode::None;  // serving/progress.h
  double progress_every = -1;                  // wall s between displays (< 0: the mode's own)
  // Every decode step its own event, as before coalesced decode (serving/instance.h):
  // for comparing the two (`stacksim run --step-by-step`); the summaries agree within a tested tolerance.
  bool step_by_step = false;
  // Where the latencies' sketches go (MetricsCollector::distributions; nullptr: nowhere):
  // a fleet's clusters send them for the fleet's percentiles (sim/fleet/fleet.h).
  nlohmann::json* distributions = nullptr;
};

RunSummary simulate(const Scenario& sc, std::unique_ptr<Generator> generator, const RunOutputs& outputs = {});

// What every simulation must satisfy at its end (checked by simulate, which fails with
// std::logic_error naming the broken one): each generated request completed, rejected
// with a reason, or still in flight at the horizon (without one, a request still in flight
// when SimGrid ran out of events is a deadlock), counted once; completed requests got
// exactly the output tokens they asked for; the KV cache never held more than capacity.
struct EndCounts {
  int64_t generated = 0, completed = 0, rejected = 0, in_flight = 0;
  int64_t output_requested = 0;  // by the completed requests
  int64_t output_produced = 0;   // for them
  int64_t kv_overflows = 0;      // steps whose KV use exceeded capacity
  bool horizon = false;          // the run stops at a horizon (else requests in flight are a deadlock)
};
void check_end_invariants(const EndCounts& c);

}  // namespace stacksim
