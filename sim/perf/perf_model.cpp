#include "perf/perf_model.h"

#include <algorithm>
#include <cmath>

#include "perf/routing.h"

namespace stacksim {

namespace {

// The precision a GEMM runs in: the wider of its two operands.
Precision wider(Precision a, Precision b) { return precision_bytes(a) >= precision_bytes(b) ? a : b; }

double ceil_div(double a, double b) { return std::ceil(a / b); }

// Bytes of KV one chip holds per token: MLA's latent cache is replicated across the
// attention-TP group; GQA's heads are split across it.
double kv_bytes_per_token_chip(const Model& m, int tp) {
  const double full = m.kv_bytes_per_token();
  if (m.attention.type == AttentionType::MLA) return full;
  return full / std::min(tp, m.attention.kv_heads);
}

}  // namespace

MemoryPlan memory_plan(const Model& model, const Platform& platform, const Serving& serving) {
  MemoryPlan mp;
  const int tp = serving.attention_tp, chips = serving.chips_per_instance;
  const double wb = precision_bytes(model.weights);
  double routed_per_chip = 0;
  if (model.routed_experts > 0) {
    const double replicas = double(model.routed_experts + serving.redundant_experts) / model.routed_experts;
    routed_per_chip = model.routed_expert_params() * replicas / chips;
  }
  // Attention, dense FFNs, shared experts and embeddings are replicated on every
  // data-parallel rank and split across its tp chips.
  mp.weights_per_chip = (model.replicated_params() / tp + routed_per_chip) * wb;
  mp.kv_bytes_per_chip = platform.chip.hbm_capacity - platform.stack.hbm_reserved - mp.weights_per_chip;
  mp.kv_bytes_per_token = kv_bytes_per_token_chip(model, tp);
  if (mp.kv_bytes_per_chip > 0 && mp.kv_bytes_per_token > 0) {
    mp.kv_tokens_per_rank = static_cast<int64_t>(std::floor(mp.kv_bytes_per_chip / mp.kv_bytes_per_token));
    mp.kv_tokens_per_instance = mp.kv_tokens_per_rank * serving.dp_ranks();
  }
  return mp;
}

PerfModel::PerfModel(const Model& m, const Platform& p, const Serving& s) {
  memory_ = memory_plan(m, p, s);
  chips_ = s.chips_per_instance;
  tp_ = s.attention_tp;
  dp_ = s.dp_ranks();
  layers_ = m.layers;
  moe_layers_ = m.moe_layers();
  dense_layers_ = m.dense_layers;
  hidden_ = m.hidden_size;

  // Multi-token prediction: each step verifies 1 + d tokens per sequence and runs the
  // d draft layers; a chain of d drafts each accepted with probability p yields
  // 1 + p + p^2 + ... + p^d tokens per step on average.
  verify_tokens_ = 1.0 + s.mtp_draft_tokens;
  layer_scale_ = double(m.layers + s.mtp_draft_tokens) / m.layers;
  tokens_per_step_ = 1.0;
  for (int i = 1; i <= s.mtp_draft_tokens; ++i) tokens_per_step_ += std::pow(s.mtp_acceptance, i);

  const Stack& st = p.stack;
  gemm_rate_ = p.chip.peak(wider(m.weights, m.activations)) * st.gemm_efficiency;
  attn_rate_ = p.chip.peak(wider(m.activations, m.kv_cache)) * st.attention_efficiency;
  mem_rate_ = p.chip.hbm_bandwidth * st.memory_efficiency;
  act_bytes_ = precision_bytes(m.activations);
  w_bytes_ = precision_bytes(m.weights);

  attn_params_ = m.attention_params();
  dense_ffn_params_ = 3.0 * m.hidden_size * m.dense_intermediate;
  shared_params_ = m.shared_experts * m.expert_params();
  router_params_ = double(m.hidden_size) * m.routed_experts;
  head_params_ = double(m.vocab_size) * m.hidden_size;
  expert_params_ = m.expert_params();
  routed_experts_ = m.routed_experts;
  top_k_ = m.top_k;
  experts_per_chip_ = m.routed_experts > 0 ? double(m.routed_experts + s.redundant_experts) / chips_ : 0;

  const Attention& a = m.attention;
  const double heads_per_chip = double(a.heads) / tp_;
  if (a.type == AttentionType::MLA) {
    // Decode uses the absorbed form: scores over the latent (kv_lora + rope), values over kv_lora.
    decode_flops_per_pair_ = heads_per_chip * (2.0 * (a.kv_lora_rank + a.qk_rope_head_dim) + 2.0 * a.kv_lora_rank);
    // Prefill expands K and V per head: scores over nope + rope, values over v_head_dim.
    prefill_flops_per_pair_ =
        heads_per_chip * (2.0 * (a.qk_nope_head_dim + a.qk_rope_head_dim) + 2.0 * a.v_head_dim);
  } else {
    decode_flops_per_pair_ = prefill_flops_per_pair_ = heads_per_chip * 4.0 * a.head_dim;
  }
  kv_read_bytes_per_token_layer_ = memory_.kv_bytes_per_token / m.layers;
  sparse_topk_ = a.sparse_topk;

  // Dispatch sends each token to its top-k experts in the activation precision; combine
  // returns them in BF16.
  dispatch_bytes_per_token_ = m.hidden_size * (act_bytes_ + precision_bytes(Precision::BF16));
  const int domain = std::min(p.scale_up.chips_per_domain, chips_);
  const double k = m.top_k;
  // Token-expert copies leaving the chip: all but those for its own experts.
  const double remote_copies = chips_ > 1 ? k * double(chips_ - 1) / chips_ : 0;
  if (chips_ <= domain) {
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
  scale_up_rate_ = p.scale_up.bandwidth_per_chip * st.scale_up_efficiency;
  scale_out_rate_ = p.scale_out.nic_bandwidth_per_chip * st.scale_out_efficiency / p.scale_out.oversubscription;
  comm_latency_per_layer_ = 2.0 * (chips_ <= domain ? p.scale_up.latency : p.scale_out.latency);
  balanced_ = s.routing.type == "balanced";
  imbalance_ = static_imbalance(s.routing, m.routed_experts, s.redundant_experts, chips_);
  overlap_ = s.two_batch_overlap;
  layer_overhead_ = st.layer_overhead;
  step_overhead_ = st.step_overhead;
}

StepTime PerfModel::step_time(const BatchShape& b) const {
  StepTime t;
  const double n = double(b.decode_seqs), q = verify_tokens_;
  // The busiest data-parallel rank: the ceiling of an even split, and a prompt chunk
  // runs whole on the rank that owns its sequence.
  const double dec_r = n > 0 ? ceil_div(n, dp_) : 0;
  const double kv_r = n > 0 ? b.decode_kv_tokens * dec_r / n : 0;
  double pre_r = 0, pairs_r = 0;
  if (b.prefill_tokens > 0) {
    pre_r = std::min<double>(b.prefill_tokens, std::max<double>(ceil_div(double(b.prefill_tokens), dp_), b.max_chunk));
    pairs_r = b.prefill_attn_pairs * pre_r / b.prefill_tokens;
  }
  const double tok_r = dec_r * q + pre_r;
  const double tok_inst = n * q + b.prefill_tokens;
  const double logits_r = dec_r * q + (b.prefill_seqs_done > 0 ? ceil_div(double(b.prefill_seqs_done), dp_) : 0);
  const double act_io = 2.0 * hidden_ * act_bytes_;  // activation bytes in and out of a GEMM, per token

  // Each roofline also records, per layer kind, how much of its time FLOPs set.
  double fl_attn = 0, fl_dense = 0, fl_shared = 0, fl_expert = 0, fl_head = 0;
  double* fl = nullptr;
  auto roof = [&fl](double flops, double flop_rate, double bytes, double byte_rate) {
    const double a = flops / flop_rate, b = bytes / byte_rate;
    if (a > b) *fl += a;
    return a > b ? a : b;
  };
  // Attention: projections (GEMMs) and the core (scores and values over the KV cache).
  fl = &fl_attn;
  const double proj = roof(2.0 * tok_r * attn_params_ / tp_, gemm_rate_,
                               attn_params_ / tp_ * w_bytes_ + tok_r * act_io, mem_rate_);
  double attended = kv_r, pairs = pairs_r;
  if (sparse_topk_ > 0) {
    attended = std::min(kv_r, dec_r * sparse_topk_);
    pairs = std::min(pairs_r, pre_r * sparse_topk_);
  }
  const double core_flops = attended * q * decode_flops_per_pair_ + pairs * prefill_flops_per_pair_;
  const double core_bytes = (attended + pre_r) * kv_read_bytes_per_token_layer_;
  const double attn_layer = proj + roof(core_flops, attn_rate_, core_bytes, mem_rate_);

  // Dense FFN layers; in MoE layers the shared experts and the router.
  fl = &fl_dense;
  const double dense_layer = roof(2.0 * tok_r * dense_ffn_params_ / tp_, gemm_rate_,
                                      dense_ffn_params_ / tp_ * w_bytes_ + tok_r * act_io, mem_rate_);
  const double shared_p = shared_params_ / tp_ + router_params_;
  fl = &fl_shared;
  const double shared_layer =
      moe_layers_ > 0 ? roof(2.0 * tok_r * shared_p, gemm_rate_, shared_p * w_bytes_ + tok_r * act_io, mem_rate_)
                      : 0;

  // Routed experts on the busiest chip: its share of every token's top-k choices, and
  // the weights of those of its experts that received at least one token.
  double expert_layer = 0, comm_layer = 0;
  if (moe_layers_ > 0) {
    const double tok_chip = tok_inst * top_k_ / chips_;
    const double busiest = routed_tokens_on_busiest_chip(tok_chip, imbalance_, balanced_, chips_);
    const double p_active = 1.0 - std::pow(1.0 - top_k_ / routed_experts_, tok_inst);
    const double active_experts = experts_per_chip_ * p_active;
    fl = &fl_expert;
    expert_layer = roof(2.0 * busiest * expert_params_, gemm_rate_,
                            active_experts * expert_params_ * w_bytes_ + busiest * act_io, mem_rate_);
    // Dispatch + combine: the busier of what this chip sends (its tokens' copies) and
    // what it receives (its routed tokens), over the scale-up links and the NIC at once.
    const double tokens = std::max(tok_r, busiest / top_k_);
    const double t_up = tokens * scale_up_copies_ * dispatch_bytes_per_token_ / scale_up_rate_;
    const double t_out = tokens * scale_out_copies_ * dispatch_bytes_per_token_ / scale_out_rate_;
    comm_layer = std::max(t_up, t_out) + comm_latency_per_layer_;
  }
  // Tensor parallelism: two all-reduces of the hidden state per layer (ring: 2(tp-1)/tp each).
  const double tp_comm_layer =
      tp_ > 1 ? 2.0 * 2.0 * (tp_ - 1) / tp_ * tok_r * hidden_ * 2.0 / scale_up_rate_ : 0;

  fl = &fl_head;
  const double head = roof(2.0 * logits_r * head_params_ / tp_, gemm_rate_, head_params_ / tp_ * w_bytes_, mem_rate_);

  t.attention = layers_ * attn_layer * layer_scale_;
  t.ffn = (dense_layers_ * dense_layer + moe_layers_ * shared_layer) * layer_scale_ + head;
  t.experts = moe_layers_ * expert_layer * layer_scale_;
  t.comm = (moe_layers_ * comm_layer + layers_ * tp_comm_layer) * layer_scale_;
  t.overhead = layers_ * layer_overhead_ * layer_scale_ + step_overhead_;
  t.flops_limited = (layers_ * fl_attn + dense_layers_ * fl_dense + moe_layers_ * (fl_shared + fl_expert)) *
                        layer_scale_ + fl_head;
  const double c = t.compute(), m = t.comm;
  const double body = overlap_ ? std::max(c, m) + std::min(c, m) / 2 : c + m;
  t.total = body + t.overhead;
  return t;
}

}  // namespace stacksim
