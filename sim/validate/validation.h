// Validation against published measurements: each case is one pool (prefill-only or
// decode-only) measured alone at a fixed batch, as its source reports it, with the
// measured values and a tolerance. A case is evaluated by the performance model in
// steady state (every step has the same shape), so no SimGrid run is needed and fits
// can evaluate thousands of parameter sets.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/scenario.h"
#include "perf/perf_model.h"

namespace stacksim {

struct Pool {
  std::string phase;            // "prefill" or "decode"
  int64_t tokens_per_chip = 0;  // prefill: prompt tokens per chip per forward pass
  int64_t input_tokens = 0;     // prefill: prompt length
  int64_t batch_per_chip = 0;   // decode: concurrent sequences per chip
  int64_t kv_tokens = 0;        // decode: context length of each sequence
};

struct ValidationCase {
  std::string id;
  std::string source;
  std::string file;
  Platform platform;
  Model model;
  Serving serving;
  Pool pool;
  std::map<std::string, double> measured;   // metric -> value
  std::map<std::string, double> tolerance;  // metric -> relative tolerance (one per measured metric)
};

// The metrics a case can state: prefill input_tokens_per_s_per_chip and ttft_ms (the
// forward passes a prompt takes at that batch, without queueing); decode
// output_tokens_per_s_per_chip and tpot_ms.
std::map<std::string, double> evaluate_pool(const Model& model, const Platform& platform, const Serving& serving,
                                            const Pool& pool);

ValidationCase load_case(const std::string& path);
// Loads the cases named: files, or directories (every *.yaml in them, sorted by name).
std::vector<ValidationCase> load_cases(const std::vector<std::string>& paths);

// One row per (case, metric).
struct ValidationRow {
  std::string case_id, platform, metric;
  double simulated = 0, measured = 0, tolerance = 0;
  double error() const { return simulated / measured - 1; }
  bool pass() const { return std::abs(error()) <= tolerance; }
};
std::vector<ValidationRow> validate(const std::vector<ValidationCase>& cases);

}  // namespace stacksim
