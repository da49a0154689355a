// Scenario: one simulation's full input — platform, model, workload, how the model is
// served, and the seed. A scenario file may list `variants:` (each a name and a map of
// overrides) that run as separate simulations and print side by side.
//
// Overrides ("--set key=value") use the scenario's key paths. Keys under platform.,
// model. and workload. reach into the referenced files ("platform.chip.hbm_bandwidth=20 TB/s");
// `platform=...` (and model=, workload=) swaps the whole file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "config/model.h"
#include "config/platform.h"
#include "config/routing.h"
#include "config/workload.h"

namespace stacksim {

struct Serving {
  int chips = 0;               // chips serving (0 in YAML = the platform's cluster.chips)
  int chips_per_instance = 8;  // expert-parallel degree of one instance
  int attention_tp = 1;        // tensor parallelism of attention; data-parallel ranks = chips / tp
  // Tensor parallelism of the routed experts: each expert's weights split over this many
  // chips, so an instance has chips / expert_tp expert-parallel groups (SGLang and vLLM
  // `--tp 8` without expert parallelism: 8; TensorRT-LLM "TP4 EP2": 4). Modelled with
  // tensor-parallel attention over the whole instance (attention_tp = chips_per_instance),
  // where every chip holds every token and the MoE output joins the layer's all-reduce.
  int expert_tp = 1;
  // Context parallelism: a prompt chunk's prefill spreads over this many data-parallel
  // ranks of one scale-up domain (ring attention: each rank computes its share of the
  // queries and receives the others' KV over the scale-up links). A chunk may then use
  // that many ranks' token budgets.
  int context_parallel = 1;
  // The fraction of each chip's weights kept in the platform's host memory and streamed
  // to HBM every step over the host link (prefetched a layer ahead: the stream overlaps
  // the step). Frees that much HBM for the KV cache.
  double offload_weights = 0;
  // Time from a request's arrival to its reaching the scheduler: the serving front end
  // (HTTP, tokenisation, queue hand-off), included in its TTFT. Read from the first pool.
  double frontend_latency = 0;       // s
  int max_seqs_per_chip = 256;       // running sequences per data-parallel rank
  int token_budget_per_chip = 8192;  // tokens per rank per step (chunked prefill budget)
  // How dispatch/combine overlap computation (perf/perf_model.h): "none", "single_batch"
  // (the combine hides behind the down projection and the shared expert) or "two_batch"
  // (two micro-batches alternate; each reads the weights). `two_batch_overlap: true|false`
  // is the older spelling of two_batch|none.
  std::string overlap = "two_batch";
  // Which steps replay captured graphs (CUDA graphs, ACL graphs): "all", "decode" (steps
  // without prompt tokens; SGLang's and TensorRT-LLM's default, which capture decode
  // batches only) or "none" (`true` / `false` spell all / none). A captured step's kernels
  // cost at least the stack's kernel_floor; an eager step also waits for the host, which
  // issues every kernel in turn, launch_latency each (perf/perf_model.h).
  std::string graphs = "decode";
  Routing routing;            // expert popularity and placement (see config/routing.h)
  int redundant_experts = 0;  // extra expert replicas per instance (used by EPLB)
  // `redundant_experts: auto`: the fewest that make routed + redundant experts divide
  // evenly over the chips of an instance (resolved by read_pool).
  bool redundant_experts_auto = false;
  int node_limit = 0;  // a token's experts span at most this many scale-up domains (0 = any)
  // How dispatch crosses scale-up domains: "hierarchical" sends a token once per
  // destination domain and fans out over the scale-up links (DeepEP normal mode);
  // "direct" sends every token-expert copy straight to its chip (DeepEP low-latency);
  // "allgather" gathers every token to every chip once and reduce-scatters the outputs
  // (NCCL collectives: vLLM's allgather_reducescatter backend), cheaper than top-k copies
  // when the chips are fewer than top-k.
  std::string dispatch = "hierarchical";
  int mtp_draft_tokens = 0;            // multi-token prediction: draft tokens per step
  double mtp_acceptance = 0;           // probability each draft token is accepted
  std::string router = "round_robin";  // a name of routers() (serving/router.h)
  // Admission, chunking and preemption: a name of batch_policies() (serving/batch_policy.h).
  std::string batch_policy = "fcfs_chunked";

  // KV memory: "reserve" holds a request's whole KV (prompt + output) from admission, so
  // nothing is ever preempted; "on_demand" allocates as tokens are produced and preempts
  // the newest running sequence when the cache is full.
  std::string kv_allocation = "reserve";
  // What a preempted sequence loses: "recompute" (its KV is dropped and rebuilt by a new
  // prefill of prompt + tokens so far) or "swap" (its KV goes to host memory and back).
  std::string preemption = "recompute";
  double swap_bandwidth_per_chip = 0;  // bytes/s between HBM and host memory (swap)

  struct PrefixCaching {
    bool enabled = false;
    double tier2_capacity_per_chip = 0;   // bytes of host memory / SSD for evicted blocks (0: none)
    double tier2_bandwidth_per_chip = 0;  // bytes/s to load them back
  } prefix_cache;

  int instances() const { return chips / chips_per_instance; }
  int dp_ranks() const { return chips_per_instance / attention_tp; }
  int ep_groups() const { return chips_per_instance / expert_tp; }
};

// A pool of instances of one role on one platform: "colocated" (prefill and decode on
// the same instances), or "prefill" / "decode" in disaggregated serving.
struct PoolSpec {
  std::string role = "colocated";
  Platform platform;
  Model model;  // the scenario's model with this pool's precision
  Serving serving;
  Location serving_at;  // where errors about this pool's serving are reported
};

// Chip failures: each chip fails after an exponential time with this mean, and comes
// back after the repair time.
struct Failures {
  double mtbf_per_chip = 0;  // s (0 = no failures)
  double repair_time = 0;    // s
  // A request whose instance failed starts again at most max_retries times, and waits at
  // most max_wait for an instance of its pool to come back; then it is rejected.
  int64_t max_retries = 3;
  double max_wait = 600;  // s
};

struct Scenario {
  std::string name;
  std::string file;
  uint64_t seed = 1;
  Workload workload;
  // One pool when colocated; a prefill and a decode pool when disaggregated. Each holds
  // its platform, the model at its precision and its serving keys.
  std::vector<PoolSpec> pools;
  Failures failures;
  double horizon = 0;        // stop simulating at this time (0 = run until every request is done)
  bool latency_cdf = false;  // also report TTFT/TPOT/E2E at every percentile 0..100
  double warmup = 0;         // the steady-state window opens this long after t = 0 (s)
  // A hash (16 hex digits) of the scenario as resolved: its tree after overrides and the
  // platform, stack, model and workload files it uses. Equal inputs, equal fingerprint.
  std::string fingerprint;

  bool disaggregated() const { return pools.size() == 2; }
  int total_chips() const;
};

// Parses "key=value" from the command line.
Override parse_override(const std::string& text);

// A check of one pool that config cannot make itself (perf/fit.h's check_fit); it throws
// ConfigError, at pool.serving_at for a problem with the pool's serving.
using PoolCheck = std::function<void(const PoolSpec& pool)>;

// Loads a scenario file: one Scenario per variant (or one if it lists none), each with
// the variant's overrides and then `overrides` applied, and `check` (when given) run on
// each pool as the variant is read. Throws ConfigError.
std::vector<Scenario> load_scenarios(const std::string& path, const std::vector<Override>& overrides,
                                     const PoolCheck& check = nullptr);

// Reads a `serving:` mapping into a pool of `role` on `platform`: the pool's model is
// `model` with the mapping's optional `precision:` applied. `chips` defaults to the
// platform's cluster size.
PoolSpec read_pool(MapReader& s, const std::string& role, const Platform& platform, const Model& model);

// The directory holding the shipped platforms/, models/, workloads/ and scenarios/.
std::string data_dir();

}  // namespace stacksim
