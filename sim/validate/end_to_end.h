// End-to-end validation cases: a published serving benchmark (a closed-loop concurrency
// sweep point, a max-throughput run, a production fleet) reproduced as a `stacksim run`
// scenario and evaluated by the discrete-event simulation, so that queueing, batching,
// chunking and the prefill/decode interplay are validated, not only the steady-state step.
//
// A case file says `kind: end_to_end` and names its scenario (relative to the case file)
// with optional overrides (`set:`, as `stacksim run --set`); its measured metrics are
// read from the run's summary. End-to-end cases are never fitted (a DES run per
// evaluation is too slow for a fit): each is an out-of-sample check of the stacks the
// steady-state cases calibrate.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/scenario.h"
#include "metrics/summary.h"
#include "validate/validation.h"

namespace stacksim {

struct EndToEndCase {
  std::string id;
  std::string source;
  std::string file;
  std::string scenario_file;
  std::vector<Override> overrides;
  Scenario scenario;                        // loaded and checked with the case
  std::string platform;                     // the scenario's platform name(s), for tables
  std::map<std::string, double> measured;   // metric -> value
  std::map<std::string, double> tolerance;  // metric -> relative tolerance
};

// The metrics an end-to-end case can state, each read from a run summary:
// output_tokens_per_s_per_chip, input_tokens_per_s_per_chip, requests_per_s,
// ttft_ms_p50, ttft_ms_p99, tpot_ms_p50, tpot_ms_p99, e2e_ms_mean, e2e_ms_p50.
const std::vector<std::string>& end_to_end_metrics();
double end_to_end_metric(const RunSummary& s, const std::string& metric);

// Loads one case; its scenario is loaded too (and checked), so that a bad case fails
// here with its file and line.
EndToEndCase load_end_to_end_case(const std::string& path);
// The end-to-end cases among the files named (directories: every *.yaml in them with
// `kind: end_to_end`, sorted by name).
std::vector<EndToEndCase> load_end_to_end_cases(const std::vector<std::string>& paths);

// Runs each case's scenario (one process each, `jobs` at a time) and compares.
std::vector<ValidationRow> validate_end_to_end(const std::vector<EndToEndCase>& cases, int jobs);

}  // namespace stacksim
