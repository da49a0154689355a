// The deployment search's plan and first stage: the space of serving layouts a plan
// allows per candidate platform, and the analytic screen (perf/capacity.h) that sizes
// every layout for the load and the SLO and ranks the deployments by their bill. The DES
// then confirms the cheapest few (sweep/plan.h).
//
//   base: coding-base.yaml                 # model, workload and the serving defaults
//   load: {rate: 4/s, requests: 1200}      # optional: the load to serve (workload keys)
//   slo: {ttft_p99: 20 s, tpot_p50: 50 ms} # ttft_/tpot_/itl_ x p50/p90/p99, tokens_per_s_per_user
//   confirm: 3                             # finalists per candidate the DES confirms
//   pricing: ownership                     # one cost basis for every platform (or rental)
//   candidates:
//     - name: ascend-950pr
//       set: {platform: ../../platforms/ascend-950pr.yaml}
//       decode_set: {platform: ...}        # optional: disaggregated decode on other chips
//       chips_per_instance: [16, 32, 64]   # each key a list; absent: the defaults below
//       attention_tp: [1, 2, 4, 8]
//       context_parallel: [1]
//       max_seqs_per_chip: [16, 32, 64, 128, 256]
//       token_budget_per_chip: [512, 1024, 2048, 4096, 8192]
//       overlap: [none, two_batch]
//       mtp_draft_tokens: [0, 1]           # with mtp_acceptance (the base's when absent)
//       redundant_experts: [auto]
//       mode: [colocated, disaggregated]   # disaggregated pools are sized separately
//       max_instances: 64                  # per pool
//   references:                            # optional: deployments to compare with
//     - {name: hand-tuned, set: {platform: ..., serving.attention_tp: 8}}
// The older plan keys still read: prefill_fraction [0 = colocated, > 0 = disaggregated].
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/scenario.h"
#include "config/yaml_reader.h"
#include "perf/capacity.h"

namespace stacksim {

// The requests of a scenario's workload (closed-loop ones as if each finished at once),
// at most 2^20: what the screen's load statistics come from.
std::vector<RequestSpec> requests_of(const Scenario& sc);

// The serving keys the search varies for one pool.
struct Layout {
  int chips_per_instance = 1, attention_tp = 1, context_parallel = 1;
  int max_seqs_per_chip = 1, token_budget_per_chip = 1;
  std::string overlap = "two_batch";
  int mtp_draft_tokens = 0;
  double mtp_acceptance = 0;
  int redundant_experts = -1;  // -1: auto
  std::string precision;       // a serving.precision map in flow YAML ("": the model's)
};

struct SearchSpace {
  std::vector<int64_t> chips_per_instance, attention_tp, context_parallel, max_seqs_per_chip, token_budget_per_chip,
      mtp_draft_tokens, redundant_experts;  // redundant_experts -1: auto
  std::vector<std::string> overlap;
  std::vector<std::string> precision;  // serving.precision maps in flow YAML ("": the model's)
  double mtp_acceptance = -1;          // < 0: the base's
  bool colocated = true, disaggregated = false;
};

struct PlanCandidate {
  std::string name;
  int64_t chips = 0;                      // objective max_load: the fixed cluster's chips
  Location at;                            // where the candidate is (its name)
  Location mtp_at;                        // where an MTP setting without an acceptance is reported
  std::vector<Override> set, decode_set;  // decode_set: the decode pool's own (disaggregated only)
  SearchSpace space;
  int64_t max_instances = 64;
};

// An SLO: each target a latency at a percentile (tokens_per_s_per_user: TPOT p50 <= 1/x).
struct SloTarget {
  std::string metric;  // "ttft", "tpot" or "itl"
  int percentile = 99;
  double value = 0;  // s
};

// A deployment someone chose by hand, simulated at the plan's load beside the winners.
struct PlanReference {
  std::string name;
  std::vector<Override> set;
};

struct Plan {
  std::string file, base;
  Location base_at;  // where errors about the base scenario are reported
  std::vector<PlanReference> references;
  std::vector<Override> load;  // workload overrides the load key sets, and `pricing` (one cost basis)
  std::vector<SloTarget> slo;
  std::vector<PlanCandidate> candidates;
  int confirm = 3;
  // The objective: the cheapest deployment that serves the load (false), or the highest
  // load each candidate's fixed cluster (its `chips`) serves within the SLO (true).
  bool max_load = false;
};

// Reads a plan file; throws ConfigError naming the file, line and key.
Plan load_plan(const std::string& file);

// One pool of a screened deployment: its layout, size and the screen's estimate.
struct PoolChoice {
  Layout layout;
  PoolEstimate estimate;
  double usd_per_hour = 0;
};

struct Deployment {
  size_t candidate = 0;
  bool disaggregated = false;
  PoolChoice first, decode;  // first: the colocated or the prefill pool
  double usd_per_hour = 0;
  double ttft_p(int q) const;  // the screen's estimate (front end included by the screen)
  double tpot_p(int q) const;
  double itl_p(int q) const;
  // The estimate of an SLO metric ("ttft", "tpot", "itl") at percentile q.
  double at(const std::string& metric, int q) const;
  int64_t chips() const { return first.estimate.chips + (disaggregated ? decode.estimate.chips : 0); }
};

// A point of the throughput-interactivity trade-off (the InferenceMAX way): a deployment
// serving the load, its output tokens per second per user (1 / TPOT p50) and per chip.
struct FrontierPoint {
  double tokens_per_s_per_user = 0, tokens_per_s_per_chip = 0, usd_per_hour = 0;
  int64_t chips = 0;
  std::string deployment;  // layout and instances
};

struct ScreenResult {
  struct PerCandidate {
    int64_t layouts = 0;                      // pool layouts the screen sized (each at its fewest instances)
    int64_t deployments = 0;                  // deployments compared: colocated layouts + prefill x decode pairs
    int64_t feasible = 0;                     // of those, the ones that meet the SLO within max_instances
    std::map<std::string, int64_t> excluded;  // pool layouts that cannot, by role and reason
    std::vector<Deployment> best;             // the cheapest, distinct in layout, cheapest first
    // The screen's frontier: layouts at their fewest stable instances and more, within the
    // TTFT targets, that no other beats on both tokens/s per user and per chip (the TPOT
    // targets left out, so that the frontier shows what they cost); fastest per user first.
    std::vector<FrontierPoint> frontier;
    LoadStats load;
    double frontend = 0;
    double load_scale = 1;  // the load's scale (max_load: the highest the screen found; 0: none)
  };
  std::vector<PerCandidate> candidates;
};

// The screen: every layout of every candidate sized at its fewest instances that meet
// the SLO by the analytic estimate; keeps the `keep` cheapest deployments per candidate.
ScreenResult screen(const Plan& plan, size_t keep);

// One candidate's screen at `load_scale` x the plan's load (0: as the plan says), keeping
// deployments of at most `max_chips` chips (0: any), with the frontier or without.
ScreenResult::PerCandidate screen_candidate(const Plan& plan, size_t i, size_t keep, double load_scale,
                                            int64_t max_chips, bool frontier,
                                            std::map<std::string, double>* dead = nullptr);

// Objective max_load: per candidate, the highest load scale (bisection to 2%) at which some
// deployment of at most its `chips` meets the SLO by the screen, and the `keep` cheapest
// deployments there.
ScreenResult screen_max_load(const Plan& plan, size_t keep);

// The overrides of the base scenario that make deployment `d` at `first` (colocated or
// prefill) and `decode` instances, its steady-state window opening at `warmup` (s);
// paths absolute.
std::vector<Override> deployment_overrides(const Plan& plan, const Deployment& d, int64_t first, int64_t decode,
                                           double warmup);

// The SGLang server arguments of one pool of `d` (`role`: "colocated", "prefill", "decode");
// `npu`: an Ascend platform (SGLang's NPU backend).
std::string sglang_args(const Deployment& d, const std::string& role, const std::string& model, bool npu);

// "EP64 TP8 seqs 64 budget 2048 two_batch" and the other keys that differ from defaults.
std::string describe(const Layout& l);

// Applies layout precision `precision` (a serving.precision map, flow YAML) to the pool's
// model; false when the pool's chip has no peak for a precision it asks.
bool apply_precision(const std::string& precision, PoolSpec* pool);

}  // namespace stacksim
