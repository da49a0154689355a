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
  double batch_per_chip = 0;    // decode: concurrent sequences per chip (`batch_per_rank` / attention_tp)
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

// A steady-state case. Its optional `set:` overrides platform.* and model.* keys as
// --set does (a fabric's bandwidth, a stack's fixed latency, a model's precision), but
// not the stack parameters calibration fits: those belong to every case of the stack.
ValidationCase load_case(const std::string& path);
// A case's `set:`, a mapping of overrides as `stacksim run --set key=value` takes them
// (paths given for platform, model and workload are relative to the case file). With
// `prefixes`, each key must start with one of them.
std::vector<Override> read_case_overrides(MapReader& r, const std::vector<std::string>& prefixes = {});
// `tolerance:` one relative tolerance for every measured metric, or a map giving one per
// metric ({output_tokens_per_s_per_chip: 0.10, tpot_ms: 0.15}) that covers each of them.
std::map<std::string, double> read_tolerance(MapReader& r, const std::map<std::string, double>& measured);
// The files named: files, or directories (every *.yaml in them, sorted by name).
std::vector<std::string> case_files(const std::vector<std::string>& paths);
// True when the file is an end-to-end case (`kind: end_to_end`, validate/end_to_end.h).
bool is_end_to_end_case(const std::string& path);
// Loads the steady-state cases (`kind: steady_state`, the default) among case_files(paths).
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
