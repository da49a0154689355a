// Capacity planning: per platform, the cheapest configuration that carries a workload at
// its target rate within the SLOs, by bisection on the number of instances of each
// configuration (as Vidur-Search does), every probe a simulation in its own process and
// cached in a results database.
//
//   base: ../scenarios/coding-plan.yaml     # the workload at its target rate
//   slo: {ttft_p99: 10 s, tpot_p99: 150 ms}
//   candidates:
//     - name: ascend-950pr
//       set: {platform: ../platforms/ascend-950pr.yaml}
//       chips_per_instance: [32, 64]
//       max_seqs_per_chip: [32, 64]          # optional, default: the base's
//       prefill_fraction: [0.25, 0.5]        # optional: disaggregated, this share of the
//                                            # instances prefill (0 in the list: colocated)
//       max_instances: 16
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/yaml_reader.h"

namespace stacksim {

struct PlanCandidate {
  std::string name;
  std::vector<Override> set;
  std::vector<int64_t> chips_per_instance, max_seqs;  // max_seqs empty: the base's
  std::vector<double> prefill_fraction = {0};         // 0: colocated
  int64_t max_instances = 8;
};

struct Plan {
  std::string base;                   // the base scenario file
  double ttft_p99 = 0, tpot_p99 = 0;  // the SLO (s)
  std::vector<PlanCandidate> candidates;
};

// Reads a plan file; throws ConfigError naming the file, line and key.
Plan load_plan(const std::string& file);

// One configuration of a candidate and the state of its bisection.
struct PlanConfig {
  size_t candidate = 0;                          // index in Plan::candidates
  int64_t chips_per_instance = 0, max_seqs = 0;  // max_seqs 0: the base's
  double prefill_fraction = 0;                   // 0: colocated
  int64_t lo = 0, hi = 0;                        // lo infeasible (0 = none tried), hi feasible (0 = unknown)
  bool done = false, feasible = false;
};

// What a probe's summary says about the SLO and the bill.
struct PlanProbe {
  double usd_per_hour = 0, ttft_p99 = 0, tpot_p99 = 0, usd_per_m_output = 0;
  int64_t chips = 0;
  bool ok = false;  // every request served within the SLO
};

struct PlanResult {
  std::vector<PlanConfig> configs;
  std::map<std::pair<size_t, int64_t>, PlanProbe> probes;  // (config, instances) -> probe
};

// Runs the bisection; probes already in the database at `db` are reused, new ones are
// stored. `jobs` simulations run at once. Throws std::runtime_error when a probe fails.
PlanResult run_plan(const Plan& plan, const std::string& db, int jobs);

// The cheapest feasible configuration of candidate `c` (its index in configs), -1: none.
int cheapest(const PlanResult& r, size_t c);

// The cost-latency frontier: feasible probes no other beats on both $/hour and p99 TTFT,
// cheapest first, as (config, instances).
std::vector<std::pair<size_t, int64_t>> frontier(const PlanResult& r);

}  // namespace stacksim
