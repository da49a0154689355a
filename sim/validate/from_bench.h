// Your own benchmark as a validation case (`stacksim calibrate --from-bench RESULT.json
// --scenario S.yaml`): a `vllm bench serve --save-result` JSON or an SGLang
// `bench_serving --output-file` JSONL result is read for the load it applied (request
// rate and burstiness, or a concurrency cap; the number of prompts; the prompt and output
// lengths, per request when the file lists them, else their means) and for what it
// measured (throughput, TTFT, TPOT, E2E). The scenario that describes the user's cluster
// gets that load as its workload and becomes an end-to-end case; its platform's stack
// parameters can then be checked against the measurement or fitted to it, each
// evaluation a discrete-event run (Nelder-Mead on log errors, a few parameters).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/stack_params.h"
#include "validate/end_to_end.h"

namespace stacksim {

struct BenchResult {
  std::string file, format;     // format: "vllm" or "sglang"
  double request_rate = 0;      // requests/s; 0: all at once (inf)
  double burstiness = 1;        // vLLM: gamma arrivals of shape `burstiness` (1: Poisson)
  int64_t max_concurrency = 0;  // 0: none
  int64_t requests = 0;         // completed requests
  // Prompt and output lengths: the mean, and the spread when the file lists each request's.
  double input_mean = 0, output_mean = 0, input_cv = 0, output_cv = 0;
  int64_t input_min = 0, input_max = 0, output_min = 0, output_max = 0;
  double output_throughput = 0;            // output tokens/s of the whole deployment
  std::map<std::string, double> measured;  // end-to-end metrics (end_to_end_metrics()) but per chip
  std::string describe;                    // "vllm bench serve, 4 requests at 2.0/s (Poisson), ..."
};

// Reads a result file: a JSON object (vLLM; SGLang's single line), or JSON lines
// (SGLang appends one per run: the last is taken). Throws ConfigError naming the file and
// the key when the file is not one or lacks what the case needs.
BenchResult read_bench_result(const std::string& path);

// The end-to-end case: `scenario_file` (one scenario, no variants) with the bench's load as
// its workload, and the bench's measurements, each within `tolerance`.
EndToEndCase bench_case(const BenchResult& b, const std::string& scenario_file, double tolerance);

// The case as a case file at `path` (its scenario named relative to it), for `validate`.
std::string bench_case_yaml(const EndToEndCase& c, const BenchResult& b, const std::string& path);

struct BenchFit {
  std::vector<const StackParam*> params;
  std::vector<double> start, fitted;            // the parameters' values before and after
  std::map<std::string, double> before, after;  // simulated metrics at start and at the fit
  double rms_before = 0, rms_after = 0;         // RMS log error over the measured metrics
  int evaluations = 0;
};

// Simulates the case with `params` of its first pool's stack (every pool on that stack)
// at `values`; the metrics the case measures.
std::map<std::string, double> simulate_bench_case(const EndToEndCase& c, const std::vector<const StackParam*>& params,
                                                  const std::vector<double>& values);

// Fits `params` (none: only checks) to the case, from the scenario's values; each within
// its bounds. At most `max_evaluations` simulations.
BenchFit fit_to_bench(const EndToEndCase& c, const std::vector<const StackParam*>& params, int max_evaluations = 80);

}  // namespace stacksim
