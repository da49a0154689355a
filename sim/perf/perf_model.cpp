#include "perf/perf_model.h"

#include <algorithm>
#include <cmath>

#include "perf/routing.h"

namespace stacksim {

namespace {

double ceil_div(double a, double b) { return std::ceil(a / b); }

// max(FLOPs / FLOP rate, bytes / byte rate); FLOPs set it only when strictly slower.
Roofline roofline(double flops, double flop_rate, double bytes, double byte_rate) {
  const double a = flops / flop_rate, b = bytes / byte_rate;
  return a > b ? Roofline{a, a} : Roofline{b, 0};
}

// Kernels per part of a layer (DeepSeek-style decode in SGLang with FP8 GEMMs, counted
// from its forward pass; ASSUMPTION for other engines and models, which fuse more or
// less): each part takes at least its count times the stack's kernel_floor.
//   attention: input norm, fused q_a/kv_a projection (quantise + GEMM), two norms, q_b
//     (quantise + GEMM), absorbed key bmm, rope, KV store, attention, value bmm, o_proj
//     (quantise + GEMM): 15.
//   dense FFN: norm, gate/up (quantise + GEMM), activation + quantise, down: 5.
//   shared expert and router: norm, router GEMM, top-k, gate/up (quantise + GEMM),
//     activation + quantise, down: 8.
//   routed experts: align/sort, grouped gate/up, activation + quantise, grouped down,
//     weighted sum: 5.
//   LM head: final norm, GEMM (once per step): 2.
constexpr double kAttentionKernels = 15, kDenseKernels = 5, kSharedKernels = 8, kExpertKernels = 5, kHeadKernels = 2;

// A part's roofline raised to its kernels' floor (neither FLOPs nor bytes set it then).
Roofline floored(Roofline r, double floor) { return r.time >= floor ? r : Roofline{floor, 0}; }

}  // namespace

PerfModel::PerfModel(const Model& m, const Platform& p, const Serving& s) {
  memory_ = memory_plan(m, p, s);
  init_layout(m, s);
  init_gemms(m, p);
  init_attention_core(m, p);
  init_experts(m, p, s);
  init_all_to_all(m, p, s);
  // Offloaded weights stream over the host link once per step.
  if (s.offload_weights > 0)
    host_stream_ = memory_.weights_per_chip * s.offload_weights / p.host_memory.bandwidth_per_chip;
  kernel_floor_ = p.stack.kernel_floor;
  // Eager steps: the host issues every kernel of the step, launch_latency each; two
  // micro-batches (two-batch overlap) issue every kernel twice.
  graphs_ = s.graphs == "all" ? Graphs::All : s.graphs == "decode" ? Graphs::Decode : Graphs::None;
  host_issue_ = step_kernels() * p.stack.launch_latency * (overlap_ == Overlap::TwoBatch ? 2 : 1);
  layer_overhead_ = p.stack.layer_overhead;
  step_overhead_ = p.stack.step_overhead;
}

void PerfModel::init_layout(const Model& m, const Serving& s) {
  chips_ = s.chips_per_instance;
  tp_ = s.attention_tp;
  etp_ = s.expert_tp;
  ep_ = s.ep_groups();
  cp_ = s.context_parallel;
  dp_ = s.dp_ranks();
  layers_ = m.layers;
  moe_layers_ = m.moe_layers();
  dense_layers_ = m.dense_layers;
  hidden_ = m.hidden_size;
  overlap_ = s.overlap == "two_batch"      ? Overlap::TwoBatch
             : s.overlap == "single_batch" ? Overlap::SingleBatch
                                           : Overlap::None;
  // Multi-token prediction: each step verifies 1 + d tokens per sequence and runs the
  // d draft layers; a chain of d drafts each accepted with probability p yields
  // 1 + p + p^2 + ... + p^d tokens per step on average.
  verify_tokens_ = 1.0 + s.mtp_draft_tokens;
  layer_scale_ = double(m.layers + s.mtp_draft_tokens) / m.layers;
  tokens_per_step_ = 1.0;
  for (int i = 1; i <= s.mtp_draft_tokens; ++i) tokens_per_step_ += std::pow(s.mtp_acceptance, i);
}

void PerfModel::init_gemms(const Model& m, const Platform& p) {
  // A GEMM runs in the wider of its weights' and the activations' precision.
  const auto gemm = [&](Precision w) {
    return Gemm{p.chip.peak(wider(w, m.activations)) * p.stack.gemm_efficiency, precision_bytes(w)};
  };
  const Model::WeightParts& w = m.weight_parts;
  attn_gemm_ = gemm(w.attention);
  dense_gemm_ = gemm(w.dense);
  shared_gemm_ = gemm(w.shared);
  routed_gemm_ = gemm(w.routed);
  head_gemm_ = gemm(w.head);
  mem_rate_ = p.chip.hbm_bandwidth * p.stack.memory_efficiency;
  act_bytes_ = precision_bytes(m.activations);
  act_io_ = 2.0 * hidden_ * act_bytes_;
  attn_params_ = m.attention_params();
  dense_ffn_params_ = 3.0 * m.hidden_size * m.dense_intermediate;
  shared_params_ = m.shared_experts * m.expert_params();
  router_params_ = double(m.hidden_size) * m.routed_experts;
  head_params_ = double(m.vocab_size) * m.hidden_size;
}

void PerfModel::init_attention_core(const Model& m, const Platform& p) {
  attn_rate_ = p.chip.peak(m.attention_core_precision()) * p.stack.attention_efficiency;
  const Attention& a = m.attention;
  const double heads_per_chip = double(a.heads) / tp_;
  if (a.type == AttentionType::MLA) {
    // Decode uses the absorbed form (MQA over the latent): scores over kv_lora + rope,
    // values over kv_lora.
    decode_flops_per_pair_ = heads_per_chip * (2.0 * (a.kv_lora_rank + a.qk_rope_head_dim) + 2.0 * a.kv_lora_rank);
    // Dense prefill expands K and V per head (MHA): scores over nope + rope, values over
    // v_head_dim. Sparse attention keeps the MQA form in prefill too (DeepSeek-V3.2), as
    // each query gathers its own top-k latent entries.
    prefill_flops_per_pair_ =
        a.sparse_topk > 0 ? decode_flops_per_pair_
                          : heads_per_chip * (2.0 * (a.qk_nope_head_dim + a.qk_rope_head_dim) + 2.0 * a.v_head_dim);
  } else {
    decode_flops_per_pair_ = prefill_flops_per_pair_ = heads_per_chip * 4.0 * a.head_dim;
  }
  // Entries are read at full size; a GQA cache splits its heads over the TP chips.
  const double split = a.type == AttentionType::GQA ? std::min(tp_, a.kv_heads) : 1;
  entry_bytes_ = m.kv_entry_bytes() / split;
  kv_compression_ = a.kv_compression;
  sparse_topk_ = a.sparse_topk;
  if (a.sliding.layers > 0) {
    sliding_share_ = double(a.sliding.layers) / m.layers;
    window_ = a.sliding.window;
    sliding_flops_per_pair_ = heads_per_chip * 4.0 * a.sliding.head_dim;
    sliding_entry_bytes_ = m.sliding_entry_bytes() / std::min(tp_, a.sliding.kv_heads);
  }
  // The indexer (per indexer layer, per rank: its heads split over TP like the queries').
  const Attention::Indexer& ix = a.indexer;
  if (ix.heads > 0) {
    indexer_rate_ = p.chip.peak(ix.precision) * p.stack.attention_efficiency;
    indexer_flops_per_pair_ = 2.0 * ix.heads * ix.head_dim / tp_ * ix.compression;
    indexer_bytes_per_token_ = ix.head_dim * precision_bytes(ix.precision) * ix.compression;
    indexer_layer_share_ = double(ix.layers) / m.layers;
  }
}

void PerfModel::init_experts(const Model& m, const Platform& p, const Serving& s) {
  expert_params_ = m.expert_params();
  top_k_ = m.top_k;
  // Expert-parallel groups of expert_tp chips: a group holds its experts' slices and
  // every chip of it computes its 1/expert_tp of each on all the group's routed tokens.
  experts_per_group_ = m.routed_experts > 0 ? double(m.routed_experts + s.redundant_experts) / ep_ : 0;
  balanced_ = s.routing.type == "balanced";
  imbalance_ = static_imbalance(s.routing, m.routed_experts, s.redundant_experts, ep_, p.chip.ranks);
}

void PerfModel::init_all_to_all(const Model& m, const Platform& p, const Serving& s) {
  // Dispatch sends each token to its top-k experts in precision.dispatch (by default the
  // activations'); combine returns them in precision.combine (by default BF16).
  const double d = precision_bytes(m.dispatch_precision()), c = precision_bytes(m.combine);
  dispatch_bytes_per_token_ = m.hidden_size * (d + c);
  combine_share_ = c / (d + c);
  const int domain = std::min(p.scale_up.chips_per_domain, chips_);
  const double k = m.top_k;
  // Tensor-parallel attention over the whole instance: every chip holds every token, so
  // experts take theirs locally and the MoE output joins the layer's all-reduce.
  local_experts_ = dp_ == 1;
  // Token-expert copies leaving the chip: all but those for its own experts.
  const double remote_copies = chips_ > 1 ? k * double(chips_ - 1) / chips_ : 0;
  allgather_ = s.dispatch == "allgather";
  if (allgather_) {
    // Every token reaches every other chip once (and its output returns once): the chips
    // of its own domain over the scale-up links, the rest over the NIC. ASSUMPTION: the
    // all-gather and reduce-scatter cost the stack's dispatch and combine floors (no
    // NCCL small-message figure per operation is used here).
    scale_up_copies_ = domain - 1.0;
    scale_out_copies_ = double(chips_ - domain);
  } else if (chips_ <= domain) {
    scale_up_copies_ = remote_copies;
    scale_out_copies_ = 0;
  } else if (s.dispatch == "direct") {
    // Every copy goes straight to its chip: those in the own domain over scale-up links.
    const double in_domain = double(domain - 1) / (chips_ - 1);
    scale_up_copies_ = remote_copies * in_domain;
    scale_out_copies_ = remote_copies * (1 - in_domain);
  } else {
    // Hierarchical: once per distinct remote domain over the NIC, then fanned out to the
    // experts' chips over the scale-up links of the destination domain.
    const double domains = double(chips_) / domain;
    double touched = domains * (1.0 - std::pow(1.0 - 1.0 / domains, k));
    if (s.node_limit > 0) touched = std::min(touched, double(s.node_limit));
    scale_out_copies_ = touched * (domains - 1) / domains;
    scale_up_copies_ = remote_copies;
  }
  const Stack& st = p.stack;
  // The link's rate times its fabric's efficiency (relative to the fabric the stack was
  // fitted on) times the stack's.
  scale_up_rate_ = p.scale_up.rate_per_chip() * st.scale_up_efficiency;
  scale_out_rate_ = p.scale_out.rate_per_chip() * st.scale_out_efficiency / p.scale_out.oversubscription;
  const double link_latency = chips_ <= domain ? p.scale_up.latency : p.scale_out.latency;
  comm_latency_per_layer_ = 2.0 * link_latency;
  combine_latency_ = link_latency;
  // The libraries' fixed cost of a dispatch and a combine, when experts span chips.
  if (chips_ > 1 && !local_experts_) {
    comm_latency_per_layer_ += st.dispatch_latency + st.combine_latency;
    combine_latency_ += st.combine_latency;
  }
  all_reduce_latency_ = st.all_reduce_latency;
  // Context parallelism's ring over the scale-up links: cp - 1 hops per layer.
  cp_latency_ = (cp_ - 1) * p.scale_up.latency;
}

PerfModel::RankLoad PerfModel::rank_load(const BatchShape& b) const {
  RankLoad r;
  const double n = double(b.decode_seqs), q = verify_tokens_;
  // The ceiling of an even split, and a prompt chunk runs whole on the rank that owns
  // its sequence.
  r.decode_seqs = n > 0 ? ceil_div(n, dp_) : 0;
  r.kv_tokens = n > 0 ? b.decode_kv_tokens * r.decode_seqs / n : 0;
  if (b.prefill_tokens > 0) {
    r.prefill_tokens = std::min<double>(
        b.prefill_tokens, std::max<double>(ceil_div(double(b.prefill_tokens), dp_), double(b.max_chunk) / cp_));
    r.prefill_pairs = b.prefill_attn_pairs * r.prefill_tokens / b.prefill_tokens;
    // The keys a causal chunk attends (its prefix and itself: pairs / tokens + chunk / 2
    // for one sequence); with context parallelism each rank receives the others' share.
    if (cp_ > 1) r.cp_keys = b.prefill_attn_pairs / b.prefill_tokens + b.max_chunk / 2.0;
  }
  r.tokens = r.decode_seqs * q + r.prefill_tokens;
  r.instance_tokens = n * q + b.prefill_tokens;
  r.logits = r.decode_seqs * q + (b.prefill_seqs_done > 0 ? ceil_div(double(b.prefill_seqs_done), dp_) : 0);
  // The busiest chip's share of every token's top-k choices.
  if (moe_layers_ > 0)
    r.routed = routed_tokens_on_busiest_chip(r.instance_tokens * top_k_ / ep_, imbalance_, balanced_, ep_);
  return r;
}

Roofline PerfModel::attention(const RankLoad& r) const {
  const Roofline proj = roofline(2.0 * r.tokens * attn_params_ / tp_, attn_gemm_.rate,
                                 attn_params_ / tp_ * attn_gemm_.w_bytes + r.tokens * act_io_, mem_rate_);
  // The core: scores and values over the cached entries (at most sparse_topk per query).
  double attended = r.kv_tokens * kv_compression_, pairs = r.prefill_pairs * kv_compression_;
  if (sparse_topk_ > 0) {
    attended = std::min(attended, r.decode_seqs * sparse_topk_);
    pairs = std::min(pairs, r.prefill_tokens * sparse_topk_);
  }
  const double g = 1 - sliding_share_;  // the global layers' share (averaged per layer)
  double core_flops = g * (attended * verify_tokens_ * decode_flops_per_pair_ + pairs * prefill_flops_per_pair_);
  double core_bytes = g * (attended + r.prefill_tokens * kv_compression_) * entry_bytes_;
  if (sliding_share_ > 0) {
    // Each query attends at most the window: exact when every context is longer (or
    // every one shorter) than it, an upper bound otherwise.
    const double w_attended = std::min(r.kv_tokens, r.decode_seqs * window_);
    const double w_pairs = std::min(r.prefill_pairs, r.prefill_tokens * window_);
    core_flops += sliding_share_ * (w_attended * verify_tokens_ + w_pairs) * sliding_flops_per_pair_;
    core_bytes += sliding_share_ * (w_attended + r.prefill_tokens) * sliding_entry_bytes_;
  }
  const Roofline core = roofline(core_flops, attn_rate_, core_bytes, mem_rate_);
  const Roofline ix = indexer(r);
  return floored({proj.time + core.time + ix.time, proj.flop_bound + core.flop_bound + ix.flop_bound},
                 kAttentionKernels * kernel_floor_);
}

Roofline PerfModel::indexer(const RankLoad& r) const {
  if (indexer_layer_share_ == 0) return {};
  // Every query scores every indexer key of its sequence: decode reads all its keys;
  // a prompt's pairs are causal, O(L^2) per sequence. Averaged over the model's layers.
  const double flops = (r.kv_tokens * verify_tokens_ + r.prefill_pairs) * indexer_flops_per_pair_;
  const double bytes = (r.kv_tokens + r.prefill_tokens) * indexer_bytes_per_token_;
  const Roofline t = roofline(flops, indexer_rate_, bytes, mem_rate_);
  return {t.time * indexer_layer_share_, t.flop_bound * indexer_layer_share_};
}

Roofline PerfModel::dense(const RankLoad& r) const {
  return floored(roofline(2.0 * r.tokens * dense_ffn_params_ / tp_, dense_gemm_.rate,
                          dense_ffn_params_ / tp_ * dense_gemm_.w_bytes + r.tokens * act_io_, mem_rate_),
                 kDenseKernels * kernel_floor_);
}

Roofline PerfModel::shared(const RankLoad& r) const {
  if (moe_layers_ == 0) return {};
  const double params = shared_params_ / tp_ + router_params_;
  return floored(roofline(2.0 * r.tokens * params, shared_gemm_.rate,
                          params * shared_gemm_.w_bytes + r.tokens * act_io_, mem_rate_),
                 kSharedKernels * kernel_floor_);
}

Roofline PerfModel::experts(const RankLoad& r) const {
  if (moe_layers_ == 0) return {};
  // The busiest group's routed token-expert copies, and the weights of those of its
  // experts that received at least one (its copies spread over its experts: at small
  // batches the busiest group reads more experts than the mean); each chip of the group
  // computes and reads 1/expert_tp of them.
  const double active_experts = experts_per_group_ * (1.0 - std::pow(1.0 - 1.0 / experts_per_group_, r.routed));
  const double params = expert_params_ / etp_;
  return floored(roofline(2.0 * r.routed * params, routed_gemm_.rate,
                          active_experts * params * routed_gemm_.w_bytes + r.routed * act_io_, mem_rate_),
                 kExpertKernels * kernel_floor_);
}

Roofline PerfModel::head(const RankLoad& r) const {
  return floored(roofline(2.0 * r.logits * head_params_ / tp_, head_gemm_.rate, head_params_ / tp_ * head_gemm_.w_bytes,
                          mem_rate_),
                 kHeadKernels * kernel_floor_);
}

double PerfModel::all_to_all_transfer(const RankLoad& r) const {
  if (moe_layers_ == 0 || local_experts_) return 0;
  // The busier of what this chip sends (its tokens' copies) and what it receives (its
  // routed tokens), over the scale-up links and the NIC at once.
  // (An all-gather moves every token once to every chip, whatever its experts.)
  const double tokens = allgather_ ? r.tokens : std::max(r.tokens, r.routed / top_k_);
  const double t_up = tokens * scale_up_copies_ * dispatch_bytes_per_token_ / scale_up_rate_;
  const double t_out = tokens * scale_out_copies_ * dispatch_bytes_per_token_ / scale_out_rate_;
  return std::max(t_up, t_out);
}

double PerfModel::tp_all_reduce(const RankLoad& r) const {
  // Two all-reduces of the hidden state per layer (ring: 2(tp-1)/tp each), each with the
  // collective's fixed latency.
  return tp_ > 1 ? 2.0 * (2.0 * (tp_ - 1) / tp_ * r.tokens * hidden_ * 2.0 / scale_up_rate_ + all_reduce_latency_) : 0;
}

double PerfModel::cp_exchange(const RankLoad& r) const {
  if (cp_ == 1 || r.prefill_tokens == 0) return 0;
  // The ring passes the keys a chunk attends: all of them for the global layers, the
  // window for the sliding ones.
  const double bytes = (1 - sliding_share_) * r.cp_keys * kv_compression_ * entry_bytes_ +
                       sliding_share_ * std::min(r.cp_keys, window_) * sliding_entry_bytes_;
  return (cp_ - 1.0) / cp_ * bytes / scale_up_rate_ + cp_latency_;
}

double PerfModel::step_kernels() const {
  // The parts' kernels (the counts above), and each collective as one more: a layer's two
  // tensor-parallel all-reduces, a MoE layer's dispatch and combine.
  const double layer = kAttentionKernels + (tp_ > 1 ? 2 : 0);
  const double moe = kSharedKernels + kExpertKernels + (moe_layers_ > 0 && !local_experts_ ? 2 : 0);
  return (layers_ * layer + dense_layers_ * kDenseKernels + moe_layers_ * moe) * layer_scale_ + kHeadKernels;
}

double PerfModel::overhead() const { return layers_ * layer_overhead_ * layer_scale_ + step_overhead_; }

PerfModel::RankLoad PerfModel::half(const RankLoad& r) const {
  RankLoad h = r.halved();
  // The busiest chip's share of half the instance's tokens (imbalance grows as it shrinks).
  if (moe_layers_ > 0)
    h.routed = routed_tokens_on_busiest_chip(h.instance_tokens * top_k_ / ep_, imbalance_, balanced_, ep_);
  return h;
}

StepTime PerfModel::parts(const RankLoad& r, double* hideable) const {
  const Roofline attn = attention(r), ffn = dense(r), shared_ffn = shared(r), routed = experts(r), lm = head(r);
  StepTime t;
  t.attention = layers_ * attn.time * layer_scale_;
  t.ffn = (dense_layers_ * ffn.time + moe_layers_ * shared_ffn.time) * layer_scale_ + lm.time;
  t.experts = moe_layers_ * routed.time * layer_scale_;
  // Dispatch + combine of a MoE layer, and the combine alone (what single-batch overlap hides).
  const double a2a = all_to_all_transfer(r);
  const bool a2a_runs = moe_layers_ > 0 && !local_experts_;
  const double dispatch_combine = a2a_runs ? a2a + comm_latency_per_layer_ : 0;
  const double combine = a2a_runs ? a2a * combine_share_ + combine_latency_ : 0;
  t.comm = (moe_layers_ * dispatch_combine + layers_ * (tp_all_reduce(r) + cp_exchange(r))) * layer_scale_;
  t.flops_limited = (layers_ * attn.flop_bound + dense_layers_ * ffn.flop_bound +
                     moe_layers_ * (shared_ffn.flop_bound + routed.flop_bound)) *
                        layer_scale_ +
                    lm.flop_bound;
  // Single-batch overlap: a MoE layer's combine runs while the shared expert and the
  // routed experts' down projection (one of their three weight matrices) compute.
  *hideable = moe_layers_ * std::min(combine, shared_ffn.time + routed.time / 3) * layer_scale_;
  return t;
}

StepTime PerfModel::step_time(const BatchShape& b) const {
  const RankLoad r = rank_load(b);
  double hideable = 0;
  StepTime t;
  if (overlap_ == Overlap::TwoBatch) {
    // Two micro-batches of half the batch each, alternating compute and communication:
    // 2 max(c, m) + min(c, m) of one micro-batch. Each reads the weights, so where a part
    // is bound by HBM bytes the pair costs twice its weight reads.
    const StepTime h = parts(half(r), &hideable);
    const double c = h.compute(), m = h.comm;
    t = h;
    t.attention *= 2;
    t.ffn *= 2;
    t.experts *= 2;
    t.comm *= 2;
    t.flops_limited *= 2;
    t.total = 2 * std::max(c, m) + std::min(c, m);
  } else {
    t = parts(r, &hideable);
    t.total = t.compute() + t.comm - (overlap_ == Overlap::SingleBatch ? hideable : 0);
  }
  // The host stream runs beside the step (a layer ahead); the step waits for the slower.
  t.host = host_stream_;
  t.total = std::max(t.total, t.host);
  // An eager step's kernels wait for the host to issue them; it runs ahead of the device
  // (launches are asynchronous), so the step takes the longer of the two.
  if (graphs_ == Graphs::None || (graphs_ == Graphs::Decode && b.prefill_tokens > 0)) {
    t.issue = host_issue_;
    t.total = std::max(t.total, t.issue);
  }
  t.overhead = overhead();
  t.total += t.overhead;
  return t;
}

}  // namespace stacksim
