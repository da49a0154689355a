// The performance model: pure functions from (model, platform, serving layout, batch
// shape) to memory use and step time. No SimGrid here; the serving actors turn these
// answers into simulated time.
//
// A step of one instance runs every layer once for all its running sequences. Its time
// is set by the busiest data-parallel rank / chip:
//   per layer: attention (projections + core), dense FFN or shared expert + routed
//   experts, dispatch/combine all-to-all; plus the LM head and fixed overheads.
// Each part is a roofline: max(FLOPs / (peak * efficiency), bytes / (HBM bw * efficiency)).
// With two-batch overlap, communication hides behind computation:
//   t = max(compute, comm) + min(compute, comm) / 2   (pipeline fill of two micro-batches),
// so max(compute, comm) <= t <= compute + comm.
#pragma once

#include <cstdint>

#include "config/scenario.h"

namespace stacksim {

// HBM use per chip and the KV capacity it leaves.
struct MemoryPlan {
  double weights_per_chip = 0;       // bytes
  double kv_bytes_per_chip = 0;      // bytes left for the KV cache (may be <= 0: does not fit)
  double kv_bytes_per_token = 0;     // bytes one token's KV occupies on its rank's chip(s), per chip
  int64_t kv_tokens_per_rank = 0;    // KV capacity of one data-parallel rank, tokens
  int64_t kv_tokens_per_instance = 0;
};

MemoryPlan memory_plan(const Model& model, const Platform& platform, const Serving& serving);

// What one instance processes in one step (totals over the instance's ranks).
struct BatchShape {
  int64_t decode_seqs = 0;          // sequences generating this step
  double decode_kv_tokens = 0;      // sum of their context lengths (tokens in KV)
  int64_t prefill_tokens = 0;       // prompt tokens processed this step
  double prefill_attn_pairs = 0;    // sum over those tokens of the tokens each attends to (causal)
  int64_t prefill_seqs_done = 0;    // prompts that finish this step (they produce logits)
  int64_t max_chunk = 0;            // largest single prompt chunk (it runs on one rank)
};

// Step time and its parts (seconds, all for the busiest rank/chip, summed over layers).
struct StepTime {
  double total = 0;
  double attention = 0;     // projections + core attention
  double ffn = 0;           // dense FFNs, shared experts, routers, LM head
  double experts = 0;       // routed experts
  double comm = 0;          // dispatch + combine
  double overhead = 0;      // fixed per-layer and per-step costs
  // The part of compute() whose roofline was set by FLOPs (the rest by HBM bytes).
  double flops_limited = 0;
  double compute() const { return attention + ffn + experts; }
};

// Precomputed constants of one (model, platform, serving) triple; step_time is then
// O(1) and allocation-free, as it runs once per simulated step.
class PerfModel {
 public:
  PerfModel(const Model& model, const Platform& platform, const Serving& serving);

  StepTime step_time(const BatchShape& b) const;

  // Expected tokens a decoding sequence gains per step (1 without MTP).
  double tokens_per_step() const { return tokens_per_step_; }
  const MemoryPlan& memory() const { return memory_; }

 private:
  MemoryPlan memory_;
  int chips_ = 1, dp_ = 1, tp_ = 1, layers_ = 1, moe_layers_ = 0, dense_layers_ = 0;
  double layer_scale_ = 1;         // (layers + MTP draft layers) / layers
  double verify_tokens_ = 1;       // tokens per decoding sequence per step (1 + drafts)
  double tokens_per_step_ = 1;
  double hidden_ = 0;
  double gemm_rate_ = 0, attn_rate_ = 0, mem_rate_ = 0;  // achieved FLOP/s, FLOP/s, bytes/s
  double act_bytes_ = 2, w_bytes_ = 1;
  double attn_params_ = 0, dense_ffn_params_ = 0, shared_params_ = 0, router_params_ = 0, head_params_ = 0;
  double expert_params_ = 0, experts_per_chip_ = 0, routed_experts_ = 0, top_k_ = 0;
  double decode_flops_per_pair_ = 0, prefill_flops_per_pair_ = 0;  // per layer, per rank, all heads / tp
  double kv_read_bytes_per_token_layer_ = 0;
  double sparse_topk_ = 0;
  double dispatch_bytes_per_token_ = 0;  // dispatch + combine bytes per token-expert pair
  double scale_up_copies_ = 0, scale_out_copies_ = 0;  // token-expert copies per token per layer on each
  double scale_up_rate_ = 1, scale_out_rate_ = 1, comm_latency_per_layer_ = 0;
  double imbalance_ = 1;  // static routed-load imbalance of the busiest chip
  bool balanced_ = true;
  bool overlap_ = true;
  double layer_overhead_ = 0, step_overhead_ = 0;
};

}  // namespace stacksim
