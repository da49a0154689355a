// DeepSeek Sparse Attention worked by hand on one layer shaped like DeepSeek-V3.2's: the
// lightning indexer's O(L^2) scan in FP8, the MQA-mode core over the top-k entries, and
// compressed caches whose entries keep their full size.
#include <catch2/catch.hpp>

#include "perf/perf_model.h"

using namespace stacksim;

namespace {

// One dense layer with V3.2's attention: MLA (128 heads, kv_lora 512 + rope 64), top-2048
// sparse attention, an indexer of 64 heads x 128 in FP8; BF16 cache and activations.
Model dsa_layer() {
  Model m;
  m.layers = m.dense_layers = 1;
  m.hidden_size = 7168;
  m.vocab_size = 1000;
  m.dense_intermediate = 1000;
  Attention& a = m.attention;
  a.type = AttentionType::MLA;
  a.heads = 128;
  a.q_lora_rank = 1536;
  a.kv_lora_rank = 512;
  a.qk_nope_head_dim = 128;
  a.qk_rope_head_dim = 64;
  a.v_head_dim = 128;
  a.sparse_topk = 2048;
  a.indexer.heads = 64;
  a.indexer.head_dim = 128;
  a.indexer.precision = Precision::FP8;
  a.indexer.layers = 1;
  return m;
}

// One chip: 1 PFLOP/s BF16, 2 PFLOP/s FP8, every efficiency 1, no overheads; HBM at `bw`.
Platform one_chip(double bw) {
  Platform p;
  p.chip.flops = {{Precision::BF16, 1e15}, {Precision::FP8, 2e15}};
  p.chip.hbm_capacity = 1e15;
  p.chip.hbm_bandwidth = bw;
  p.scale_up.chips_per_domain = 1;
  p.cluster_chips = 1;
  p.stack.gemm_efficiency = p.stack.attention_efficiency = p.stack.memory_efficiency = 1;
  p.stack.layer_overhead = p.stack.step_overhead = 0;
  return p;
}

Serving alone() {
  Serving s;
  s.chips = s.chips_per_instance = 1;
  s.overlap = "none";
  return s;
}

constexpr double kL = 1048576;  // a 1M-token prompt / context

BatchShape prompt_1m() {
  BatchShape b;
  b.prefill_tokens = b.max_chunk = int64_t(kL);
  b.prefill_attn_pairs = kL * (kL + 1) / 2;  // causal
  b.prefill_seqs_done = 1;
  return b;
}

BatchShape decode_at(double context) {
  BatchShape b;
  b.decode_seqs = 1;
  b.decode_kv_tokens = context;
  return b;
}

}  // namespace

TEST_CASE("the DSA indexer of a 1M-token prompt: L(L+1)/2 pairs x 2 x 64 x 128 FP8 FLOPs per layer", "[perf][unit]") {
  Model m = dsa_layer();
  const Platform p = one_chip(1e18);  // FLOP-bound throughout
  const StepTime with = PerfModel(m, p, alone()).step_time(prompt_1m());
  m.attention.indexer = {};
  const StepTime without = PerfModel(m, p, alone()).step_time(prompt_1m());
  // 5.4976e11 pairs x 16,384 = 9.0073e15 FLOPs at 2 PFLOP/s: 4.5036 s for one layer;
  // over V3.2's 61 layers 5.5e17 FLOPs.
  const double pairs = kL * (kL + 1) / 2;
  CHECK(with.attention - without.attention == Approx(pairs * 16384 / 2e15).epsilon(1e-9));
  CHECK(61 * pairs * 16384 == Approx(5.49e17).epsilon(1e-3));
  // The core attends at most 2,048 entries per query in MQA mode: 128 heads x (2 x 576 +
  // 2 x 512) = 278,528 FLOPs per pair (not MHA mode's 81,920).
  const double capped = kL * 2048;  // min(pairs, tokens x top-k): the model's bound
  const double proj = 2.0 * kL * m.attention_params() / 1e15;
  CHECK(without.attention == Approx(proj + capped * 278528 / 1e15).epsilon(1e-9));
  // The indexer is ~7.5x the sparse core: at 1M tokens it, not the attention, sets the TTFT.
  CHECK((with.attention - without.attention) / (capped * 278528 / 1e15) == Approx(7.53).epsilon(1e-2));
}

TEST_CASE("DSA decode at 1M context reads every indexer key and only the top-k entries", "[perf][unit]") {
  Model m = dsa_layer();
  const Platform p = one_chip(1e12);  // HBM-bound: 1 TB/s
  const StepTime with = PerfModel(m, p, alone()).step_time(decode_at(kL));
  m.attention.indexer = {};
  const StepTime without = PerfModel(m, p, alone()).step_time(decode_at(kL));
  // The indexer keys: 1M x 128 FP8 bytes = 134.2 us; the core: 2,048 entries x 576 BF16
  // values = 2.36 us (with the projections' weights read beside it).
  CHECK(with.attention - without.attention == Approx(kL * 128 / 1e12).epsilon(1e-9));
  const double proj = (m.attention_params() * 2 + 2.0 * 7168 * 2) / 1e12;
  CHECK(without.attention == Approx(proj + 2048 * 1152 / 1e12).epsilon(1e-9));
}

TEST_CASE("kv_compression shrinks the number of cached entries, not their size", "[perf][unit]") {
  Model m = dsa_layer();
  m.attention.indexer = {};
  const Platform p = one_chip(1e12);
  const double proj = (m.attention_params() * 2 + 2.0 * 7168 * 2) / 1e12;
  m.attention.kv_compression = 0.25;
  // 1M tokens keep 262,144 entries; top-k still reads 2,048 full 1,152-byte entries.
  CHECK(PerfModel(m, p, alone()).step_time(decode_at(kL)).attention == Approx(proj + 2048 * 1152 / 1e12).epsilon(1e-9));
  // 4,096 tokens keep 1,024 entries, fewer than top-k: all of them, full size.
  CHECK(PerfModel(m, p, alone()).step_time(decode_at(4096)).attention ==
        Approx(proj + 1024 * 1152 / 1e12).epsilon(1e-9));
  // The cache holds a quarter of the entries per token, each full size.
  CHECK(m.kv_bytes_per_token() == Approx(0.25 * 1152));
}
