// simulate(): runs one scenario on the SimGrid engine and returns its summary.
//
// The actors: one source (pulls requests from the generator at their arrival times,
// rejects those that can never fit, routes the rest) and one actor per instance.
// The run ends when every request has completed or been rejected, or at the horizon.
//
// SimGrid keeps global state: call simulate() at most once per process (the CLI and
// the tests run each scenario in a child process, see sweep/isolate.h).
#pragma once

#include <memory>

#include "config/scenario.h"
#include "metrics/summary.h"
#include "workload/generator.h"

namespace stacksim {

// `requests_csv`: when given, a record per request is streamed to that file (rows only,
// serving/request_log.h; the caller adds the header and moves it into place).
RunSummary simulate(const Scenario& sc, std::unique_ptr<Generator> generator, const std::string& requests_csv = "");

// What every simulation must satisfy at its end (checked by simulate, which fails with
// std::logic_error naming the broken one): each generated request completed, rejected
// with a reason, or still in flight at the horizon, counted once; completed requests got
// exactly the output tokens they asked for; the KV cache never held more than capacity.
struct EndCounts {
  int64_t generated = 0, completed = 0, rejected = 0, in_flight = 0;
  int64_t output_requested = 0;  // by the completed requests
  int64_t output_produced = 0;   // for them
  int64_t kv_overflows = 0;      // steps whose KV use exceeded capacity
};
void check_end_invariants(const EndCounts& c);

}  // namespace stacksim
