// The performance model: pure functions from (model, platform, serving layout, batch
// shape) to memory use and step time. No SimGrid here; the serving events turn these
// answers into simulated time.
//
// A step of one instance runs every layer once for all its running sequences. Its time
// is set by the busiest data-parallel rank / chip:
//   per layer: attention (projections + core), dense FFN or shared expert + routed
//   experts, dispatch/combine all-to-all; plus the LM head and fixed overheads.
// Each part is a roofline: max(FLOPs / (peak * efficiency), bytes / (HBM bw * efficiency)),
// and at least its kernels' count times the stack's kernel_floor (small batches).
// Communication is bytes / (link bandwidth * efficiency) plus fixed latencies: the links'
// and the stack's floors per dispatch, combine and tensor-parallel all-reduce. With
// context parallelism (serving.context_parallel = cp) a prompt chunk's tokens spread over
// cp ranks, each receiving (cp - 1) / cp of the chunk's attended KV over the scale-up
// links per layer, with cp - 1 link latencies (a ring).
// Overlap (serving.overlap):
//   none:         t = compute + comm.
//   single_batch: each MoE layer's combine runs beside its shared expert and the routed
//                 experts' down projection: t = compute + comm - sum min(combine, shared + routed / 3).
//   two_batch:    two micro-batches of half the batch alternate compute (c) and
//                 communication (m): t = 2 max(c, m) + min(c, m), with c and m those of one
//                 micro-batch. Each micro-batch reads the weights, so memory-bound decode
//                 pays its weight reads twice; communication pays its latency floors twice.
// Routed experts run in expert-parallel groups of serving.expert_tp chips (1: plain expert
// parallelism); the busiest group sets their time. With tensor-parallel attention over the
// whole instance every chip holds every token: no dispatch or combine, the MoE output is
// reduced by the layer's all-reduce.
// Weights offloaded to host memory (serving.offload_weights) stream over the host link
// a layer ahead, beside the step: t = max(t, offloaded bytes / host bandwidth) + overheads.
// Steps that do not replay a captured graph (serving.graphs) run eagerly: the host issues
// each kernel, the stack's launch_latency apart (framework dispatch included), running
// ahead of the device: t = max(t, kernels x launch_latency) + overheads.
#pragma once

#include <cstdint>

#include "config/scenario.h"
#include "perf/memory_plan.h"

namespace stacksim {

// What one instance processes in one step (totals over the instance's ranks).
struct BatchShape {
  int64_t decode_seqs = 0;        // sequences generating this step
  double decode_kv_tokens = 0;    // sum of their context lengths (tokens in KV)
  int64_t prefill_tokens = 0;     // prompt tokens processed this step
  double prefill_attn_pairs = 0;  // sum over those tokens of the tokens each attends to (causal)
  int64_t prefill_seqs_done = 0;  // prompts that finish this step (they produce logits)
  int64_t max_chunk = 0;          // largest single prompt chunk (it runs on one rank)
};

// Step time and its parts (seconds, all for the busiest rank/chip, summed over layers).
struct StepTime {
  double total = 0;
  double attention = 0;  // projections + core attention
  double ffn = 0;        // dense FFNs, shared experts, routers, LM head
  double experts = 0;    // routed experts
  double comm = 0;       // dispatch + combine
  double overhead = 0;   // fixed per-layer and per-step costs
  double host = 0;       // offloaded weights streamed from host memory (beside the rest)
  double issue = 0;      // an eager step: the host issuing its kernels (beside the rest)
  // The part of compute() whose roofline was set by FLOPs (the rest by HBM bytes).
  double flops_limited = 0;
  double compute() const { return attention + ffn + experts; }
};

// One part of a step: its time (s), and how much of it FLOPs set (the time itself when
// the roofline is compute-bound, 0 when HBM bytes set it).
struct Roofline {
  double time = 0;
  double flop_bound = 0;
};

// Precomputed constants of one (model, platform, serving) triple; step_time is then
// O(1) and allocation-free, as it runs once per simulated step.
class PerfModel {
 public:
  PerfModel(const Model& model, const Platform& platform, const Serving& serving);

  // The sum of the parts below over the layers, overlapped as the header says.
  StepTime step_time(const BatchShape& b) const;

  // Expected tokens a decoding sequence gains per step (1 without MTP).
  double tokens_per_step() const { return tokens_per_step_; }
  // The busiest expert-parallel group's routed load over the mean, before the excess of a
  // finite batch (perf/routing.h).
  double routing_imbalance() const { return imbalance_; }
  const MemoryPlan& memory() const { return memory_; }

 private:
  // The busiest data-parallel rank's share of a step's batch.
  struct RankLoad {
    double decode_seqs = 0;      // decoding sequences
    double kv_tokens = 0;        // their tokens in the KV cache
    double prefill_tokens = 0;   // prompt tokens
    double prefill_pairs = 0;    // (query, key) pairs those attend to
    double tokens = 0;           // tokens through the rank's GEMMs (verify tokens + prompt)
    double instance_tokens = 0;  // tokens of the whole instance (each picks top-k experts)
    double logits = 0;           // tokens that produce logits
    double routed = 0;           // token-expert copies routed to the busiest expert-parallel group
    double cp_keys = 0;          // keys a context-parallel chunk attends (0 without CP)
    // Every count halved but routed and cp_keys (field by field: GCC -O2 does not unroll
    // a loop over pointers to them).
    RankLoad halved() const {
      RankLoad h = *this;
      h.decode_seqs /= 2;
      h.kv_tokens /= 2;
      h.prefill_tokens /= 2;
      h.prefill_pairs /= 2;
      h.tokens /= 2;
      h.instance_tokens /= 2;
      h.logits /= 2;
      return h;
    }
  };
  RankLoad rank_load(const BatchShape& b) const;

  // The parts of a step on the busiest rank / chip, per layer of their kind except head().
  Roofline attention(const RankLoad& r) const;  // projections + the core over the KV cache
  Roofline dense(const RankLoad& r) const;      // the FFN of a dense layer
  Roofline shared(const RankLoad& r) const;     // shared experts + router of a MoE layer
  Roofline experts(const RankLoad& r) const;    // routed experts of a MoE layer
  Roofline head(const RankLoad& r) const;       // the LM head, once per step
  Roofline indexer(const RankLoad& r) const;    // sparse attention's indexer, averaged per layer
  // The bytes of a MoE layer's dispatch and combine, as one transfer time: both move every
  // token-expert copy, so their bytes per copy are summed once (computing them apart would
  // round differently). parts() adds the floors and takes the combine's share.
  double all_to_all_transfer(const RankLoad& r) const;
  // The parts of a step before overlap; *hideable = what single-batch overlap hides.
  StepTime parts(const RankLoad& r, double* hideable) const;
  RankLoad half(const RankLoad& r) const;         // one of two micro-batches
  double tp_all_reduce(const RankLoad& r) const;  // attention TP's all-reduces of a layer
  double cp_exchange(const RankLoad& r) const;    // context parallelism's KV ring of a layer
  double overhead() const;                        // fixed per-layer and per-step costs, whole step
  double step_kernels() const;                    // kernels (and collectives) of one step

  // The constructor's parts, each setting the constants of the parts above it serves.
  void init_layout(const Model& m, const Serving& s);
  void init_gemms(const Model& m, const Platform& p);
  void init_attention_core(const Model& m, const Platform& p);
  void init_experts(const Model& m, const Platform& p, const Serving& s);
  void init_all_to_all(const Model& m, const Platform& p, const Serving& s);

  MemoryPlan memory_;
  // Layout and multi-token prediction.
  int chips_ = 1, dp_ = 1, tp_ = 1, cp_ = 1, layers_ = 1, moe_layers_ = 0, dense_layers_ = 0;
  int etp_ = 1, ep_ = 1;      // expert tensor parallelism and the expert-parallel groups
  double layer_scale_ = 1;    // (layers + MTP draft layers) / layers
  double verify_tokens_ = 1;  // tokens per decoding sequence per step (1 + drafts)
  double tokens_per_step_ = 1;
  double hidden_ = 0;
  // GEMMs (attention projections, FFNs, experts, head): weights read once per step.
  // Per part (its weights' precision): the achieved GEMM FLOP/s and bytes per weight.
  struct Gemm {
    double rate = 0, w_bytes = 1;
  } attn_gemm_, dense_gemm_, shared_gemm_, routed_gemm_, head_gemm_;
  double mem_rate_ = 0;  // achieved HBM bytes/s
  double act_bytes_ = 2;
  double act_io_ = 0;  // activation bytes in and out of a GEMM, per token
  double attn_params_ = 0, dense_ffn_params_ = 0, shared_params_ = 0, router_params_ = 0, head_params_ = 0;
  // Attention core.
  double attn_rate_ = 0;                                           // achieved FLOP/s
  double decode_flops_per_pair_ = 0, prefill_flops_per_pair_ = 0;  // per layer, per rank, all heads / tp
  double entry_bytes_ = 0;                                         // one cached entry of one layer on this chip
  double kv_compression_ = 1;                                      // cached entries per token
  double sparse_topk_ = 0;
  // Sliding-window layers: their share of the layers, window, and per-pair FLOPs and
  // entry bytes on this chip (the core above then covers the global layers' share).
  double sliding_share_ = 0, window_ = 0, sliding_flops_per_pair_ = 0, sliding_entry_bytes_ = 0;
  // The sparse-attention indexer (0 share = none).
  double indexer_rate_ = 1, indexer_flops_per_pair_ = 0, indexer_bytes_per_token_ = 0, indexer_layer_share_ = 0;
  // Routed experts.
  double expert_params_ = 0, experts_per_group_ = 0, top_k_ = 0;
  double imbalance_ = 1;  // static routed-load imbalance of the busiest expert-parallel group
  bool balanced_ = true;
  // Communication.
  double dispatch_bytes_per_token_ = 0;                // dispatch + combine bytes per token-expert pair
  double scale_up_copies_ = 0, scale_out_copies_ = 0;  // token-expert copies per token per layer on each
  double scale_up_rate_ = 1, scale_out_rate_ = 1;
  double comm_latency_per_layer_ = 0;  // links' latency and the library's dispatch + combine floors
  double all_reduce_latency_ = 0;      // per tensor-parallel all-reduce
  double cp_latency_ = 0;              // the context-parallel ring's hops of a layer
  double combine_share_ = 0.5;         // combine's share of the dispatch + combine bytes
  double combine_latency_ = 0;         // the link's and the library's floor of one combine
  bool local_experts_ = false;         // DP 1: every chip holds every token, no all-to-all
  bool allgather_ = false;             // dispatch by all-gather + reduce-scatter
  enum class Overlap { None, SingleBatch, TwoBatch } overlap_ = Overlap::TwoBatch;
  double host_stream_ = 0;  // s per step to stream the offloaded weights
  // Overheads.
  double layer_overhead_ = 0, step_overhead_ = 0;
  double kernel_floor_ = 0;  // s: the shortest a kernel takes (floored() in perf_model.cpp)
  enum class Graphs { All, Decode, None } graphs_ = Graphs::Decode;  // which steps replay graphs
  double host_issue_ = 0;                                            // s: the host issuing one step's kernels
};

}  // namespace stacksim
