// The step time's communication on a small MoE built in code, worked by hand: the bytes
// over the links plus the fixed latencies of each operation (the stack's latency floors).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "perf/perf_model.h"
#include "small_moe.h"

using namespace stacksim;
using stacksim::test::small_moe;
using stacksim::test::small_serving;

namespace {

// One 8-chip scale-up domain at 100 GB/s per chip and 1 us; every efficiency 0.5, no
// per-layer or per-step overheads; floors: dispatch 30 us, combine 20 us, all-reduce 5 us.
Platform floored() {
  Platform p;
  p.chip.flops = {{Precision::BF16, 1e15}, {Precision::FP8, 2e15}};
  p.chip.hbm_capacity = 100e9;
  p.chip.hbm_bandwidth = 1e12;
  p.scale_up.chips_per_domain = 8;
  p.scale_up.bandwidth_per_chip = 100e9;
  p.scale_up.latency = 1e-6;
  p.cluster_chips = 8;
  p.stack.gemm_efficiency = p.stack.attention_efficiency = p.stack.memory_efficiency = 0.5;
  p.stack.scale_up_efficiency = p.stack.scale_out_efficiency = 0.5;
  p.stack.layer_overhead = p.stack.step_overhead = 0;
  p.stack.dispatch_latency = 30e-6;
  p.stack.combine_latency = 20e-6;
  p.stack.all_reduce_latency = 5e-6;
  return p;
}

BatchShape one_per_rank() {  // two decoding sequences, one on each data-parallel rank
  BatchShape b;
  b.decode_seqs = 2;
  b.decode_kv_tokens = 200;
  return b;
}

}  // namespace

TEST_CASE("a latency-floored small batch: dispatch, combine and all-reduce floors, worked by hand", "[perf][unit]") {
  const Model m = small_moe();
  Serving s = small_serving();  // EP4, attention TP2: two ranks
  s.overlap = "none";
  Platform p = floored();
  // Per MoE layer: the rank's one token sends 2 x 3/4 = 1.5 copies of 1000 x (2 + 2) bytes
  // (BF16 dispatch and combine) at 100 GB/s x 0.5: 1.2e-7 s; plus twice the link's 1 us
  // and the two floors: 52.12 us. Three MoE layers: 156.36 us.
  // Per layer, two TP all-reduces of one token's 1000 BF16 values (ring at TP2: 2 x 1/2 of
  // them) at 50 GB/s, 4e-8 s, plus 5 us each: 10.08 us. Four layers: 40.32 us.
  const StepTime t = PerfModel(m, p, s).step_time(one_per_rank());
  CHECK(t.comm == Approx(156.36e-6 + 40.32e-6).epsilon(1e-9));
  CHECK(t.total == Approx(t.compute() + t.comm).epsilon(1e-12));  // no overlap, no overheads
  // Without the floors the same step moves only its bytes and the link latency.
  p.stack.dispatch_latency = p.stack.combine_latency = p.stack.all_reduce_latency = 0;
  const StepTime bare = PerfModel(m, p, s).step_time(one_per_rank());
  CHECK(bare.comm == Approx(3 * (1.2e-7 + 2e-6) + 4 * 2 * 4e-8).epsilon(1e-9));
  CHECK(t.comm / bare.comm > 25);  // at one token per rank the floors are the whole cost
  // One chip has nobody to dispatch to: no floor, no link latency, and no all-reduce
  // without TP.
  p = floored();
  s.chips = s.chips_per_instance = 1;
  s.attention_tp = 1;
  s.redundant_experts = 0;
  const StepTime alone = PerfModel(m, p, s).step_time(one_per_rank());
  CHECK(alone.comm == 0);
  // Tensor-parallel attention over the instance (TP4, one rank): every chip holds every
  // token, so no dispatch or combine; per layer two all-reduces of 2 tokens' 1000 BF16
  // values (ring at TP4: 2 x 3/4 of them) at 50 GB/s, 1.2e-7 s, plus 5 us each. Four layers.
  s = small_serving();
  s.overlap = "none";
  s.attention_tp = 4;
  const StepTime tp = PerfModel(m, p, s).step_time(one_per_rank());
  CHECK(tp.comm == Approx(4 * 2 * (1.2e-7 + 5e-6)).epsilon(1e-9));
}

TEST_CASE("single-batch overlap hides each combine behind the shared expert and the down projection", "[perf][unit]") {
  const Model m = small_moe();
  Serving s = small_serving();
  s.overlap = "none";
  Platform p = floored();
  const StepTime none = PerfModel(m, p, s).step_time(one_per_rank());
  s.overlap = "single_batch";
  const StepTime single = PerfModel(m, p, s).step_time(one_per_rank());
  // Per MoE layer, HBM-bound at 500 GB/s: the shared expert and router read 1.5e6 / 2 +
  // 6,000 weight bytes and 4,000 activation bytes: 1.52 us. The routed experts: the 2
  // tokens' top-2 make 4 copies over 4 chips (balanced), so each chip receives 1, which
  // uses 1 of its 2 expert slots: 1.5e6 bytes plus 4,000: 3.008 us, of which the down
  // projection is a third.
  // The combine (half of 1.2e-7 s of bytes, one 1 us link latency, the 20 us floor) is
  // longer, so 1.52 + 1.00267 us of it hide, three times.
  const double shared = 760000 / 5e11, routed = (1.5e6 + 4000) / 5e11;
  CHECK(none.total - single.total == Approx(3 * (shared + routed / 3)).epsilon(1e-9));
  CHECK(single.comm == Approx(none.comm).epsilon(1e-12));  // the same work, overlapped
  // Without the floors the combine is 1.06 us, shorter than the computation: all of it hides.
  p.stack.dispatch_latency = p.stack.combine_latency = p.stack.all_reduce_latency = 0;
  s.overlap = "none";
  const StepTime bare_none = PerfModel(m, p, s).step_time(one_per_rank());
  s.overlap = "single_batch";
  const StepTime bare_single = PerfModel(m, p, s).step_time(one_per_rank());
  CHECK(bare_none.total - bare_single.total == Approx(3 * (0.6e-7 + 1e-6)).epsilon(1e-9));
}

TEST_CASE("two-batch overlap reads the weights once per micro-batch", "[perf][unit]") {
  const Model m = small_moe();
  Serving s = small_serving();
  s.overlap = "none";
  const StepTime one = PerfModel(m, floored(), s).step_time(one_per_rank());
  s.overlap = "two_batch";
  const StepTime two = PerfModel(m, floored(), s).step_time(one_per_rank());
  // Attention per layer and rank, HBM-bound: projections 2e6 / 2 weight bytes plus 4,000
  // activation bytes per token, the core 400 KV bytes per cached token (one of the two KV
  // heads per TP chip; 100 tokens per rank). One batch: (1e6 + 4000 + 40000) / 5e11 =
  // 2.088 us. Two micro-batches of half the tokens each: 2 x (1e6 + 2000 + 20000) / 5e11
  // = 4.088 us: the weights are read twice. Four layers.
  CHECK(one.attention == Approx(4 * 2.088e-6).epsilon(1e-9));
  CHECK(two.attention == Approx(4 * 4.088e-6).epsilon(1e-9));
  // The pipeline of one micro-batch's compute c and communication m: 2 max(c, m) + min(c, m).
  const double c = two.compute() / 2, mm = two.comm / 2;
  CHECK(two.total == Approx(2 * std::max(c, mm) + std::min(c, mm)).epsilon(1e-12));
}

TEST_CASE("two-batch overlap hides the floors behind computation only as far as it lasts", "[perf][unit]") {
  const Model m = small_moe();
  Serving s = small_serving();
  s.overlap = "two_batch";
  const StepTime t = PerfModel(m, floored(), s).step_time(one_per_rank());
  // Each micro-batch pays the floors: a one-token step is floor-bound, and the pipeline
  // is 2 m + c of one micro-batch (m = t.comm / 2, c = t.compute() / 2).
  CHECK(t.comm > t.compute());
  CHECK(t.total == Approx(t.comm + t.compute() / 2).epsilon(1e-12));
}

TEST_CASE("a context-parallel prefill: a quarter of the work per rank, and the KV ring", "[perf][unit]") {
  Model m = small_moe();  // made dense: four GQA layers with the dense FFN
  m.routed_experts = m.shared_experts = m.top_k = 0;
  m.dense_layers = m.layers;
  Serving s = small_serving();
  s.attention_tp = 1;  // four data-parallel ranks
  s.redundant_experts = 0;
  s.overlap = "none";
  Platform p = floored();
  p.chip.hbm_bandwidth = 1e18;  // FLOP-bound, so the work divides exactly
  BatchShape b;                 // one 4,096-token prompt, whole, from position 0
  b.prefill_tokens = b.max_chunk = 4096;
  b.prefill_attn_pairs = 4096.0 * 4097 / 2;
  b.prefill_seqs_done = 1;
  const StepTime one = PerfModel(m, p, s).step_time(b);
  s.context_parallel = 4;
  const StepTime four = PerfModel(m, p, s).step_time(b);
  // Each rank computes 1,024 of the queries and a quarter of the causal pairs.
  CHECK(four.attention == Approx(one.attention / 4).epsilon(1e-9));
  // Per layer each rank receives 3/4 of the 4,096.5 keys the chunk attends (pairs / tokens
  // + chunk / 2), 800 bytes each (2 KV heads x 100 x 2 values, BF16), at 100 GB/s x 0.5,
  // plus 3 hops of 1 us: 49.158 + 3 us. No TP, no experts: one alone moves nothing.
  CHECK(one.comm == 0);
  CHECK(four.comm == Approx(4 * (0.75 * 4096.5 * 800 / 5e10 + 3e-6)).epsilon(1e-9));
}

TEST_CASE("a host-tier weight read: offloaded weights stream over the host link beside the step", "[perf][unit]") {
  const Model m = small_moe();
  Serving s = small_serving();
  s.overlap = "none";
  Platform p = floored();
  p.host_memory = {"test host", 1e9, 1e9};  // 1 GB per chip at 1 GB/s
  const PerfModel on_hbm(m, p, s);
  s.offload_weights = 0.5;
  const PerfModel half_host(m, p, s);
  // Weights per chip: replicated (attention 2e6 x 4 / TP2, dense FFN 6e6 / 2, shared
  // expert and router 1.506e6 x 3 / 2, embeddings 1e6 / 2) + routed (6 + 2 experts x 1.5e6
  // x 3 layers / 4 chips) = 4e6 + 3e6 + 2.259e6 + 0.5e6 + 9e6 = 18.759e6 FP8 bytes. Half
  // moves to the host: HBM holds 9.3795 MB of weights, the host the other half.
  const MemoryPlan& mem = half_host.memory();
  REQUIRE(mem.tiers.size() == 2);
  CHECK(mem.tiers[0].use("weights") == Approx(18.759e6 / 2));
  CHECK(mem.tiers[1].use("weights") == Approx(18.759e6 / 2));
  CHECK(mem.kv_bytes_per_chip - on_hbm.memory().kv_bytes_per_chip == Approx(18.759e6 / 2));
  // Streaming 9.3795 MB at 1 GB/s takes 9.3795 ms, far longer than the step: it sets it.
  const StepTime t = half_host.step_time(one_per_rank()), base = on_hbm.step_time(one_per_rank());
  CHECK(t.host == Approx(9.3795e-3));
  CHECK(t.total == Approx(9.3795e-3).epsilon(1e-12));  // no overheads in this platform
  CHECK(base.total < t.host / 10);
  // At 1 TB/s the stream (9.4 us) hides behind the step: nothing changes.
  p.host_memory.bandwidth_per_chip = 1e12;
  CHECK(PerfModel(m, p, s).step_time(one_per_rank()).total == Approx(base.total).epsilon(1e-12));
}

TEST_CASE("expert tensor parallelism splits each expert over its group's chips, worked by hand", "[perf][unit]") {
  const Model m = small_moe();
  Serving s = small_serving();
  s.overlap = "none";
  s.attention_tp = 4;  // one rank: every chip holds both tokens
  const Platform p = floored();
  // Expert parallelism (EP4): the 2 tokens' 4 copies spread one per chip, each using 1 of
  // its 2 slots: 1.5e6 weight bytes + 4,000 activation bytes at 500 GB/s, three layers.
  const StepTime ep = PerfModel(m, p, s).step_time(one_per_rank());
  CHECK(ep.experts == Approx(3 * (1.5e6 + 4000) / 5e11).epsilon(1e-9));
  // Expert TP4: one group of 8 slots takes all 4 copies; 8 (1 - (7/8)^4) = 3.31054 distinct
  // experts, each chip reading a quarter of each (375,000 bytes) and all 4 copies' 4,000.
  s.expert_tp = 4;
  const StepTime etp = PerfModel(m, p, s).step_time(one_per_rank());
  const double active = 8 * (1 - std::pow(7.0 / 8, 4));
  CHECK(etp.experts == Approx(3 * (active * 375000 + 4 * 4000) / 5e11).epsilon(1e-9));
  CHECK(etp.comm == Approx(ep.comm).epsilon(1e-12));  // both reduce by the layer's all-reduce
}

TEST_CASE("weights in a precision per part: the attention projections' bytes, worked by hand", "[perf][unit]") {
  Model m = small_moe();  // FP8 weights everywhere
  Serving s = small_serving();
  s.overlap = "none";
  const Platform p = floored();
  const PerfModel fp8(m, p, s);
  m.weight_parts.attention = Precision::BF16;  // the attention projections in BF16, the rest FP8
  const PerfModel mixed(m, p, s);
  // Memory: every layer's projections, split over attention TP2, take one more byte each.
  CHECK(mixed.memory().weights_per_chip - fp8.memory().weights_per_chip ==
        Approx(4 * m.attention_params() / 2).epsilon(1e-12));
  // A step of one token per rank reads them once, HBM-bound at 500 GB/s: one more byte per
  // parameter per layer; nothing else moves.
  const StepTime a = fp8.step_time(one_per_rank()), b = mixed.step_time(one_per_rank());
  CHECK(b.attention - a.attention == Approx(4 * m.attention_params() / 2 / 5e11).epsilon(1e-9));
  CHECK(b.experts == a.experts);
  CHECK(b.ffn == a.ffn);
  CHECK(b.comm == a.comm);
  // Dispatch in FP8 instead of the BF16 activations: each copy carries 1000 fewer bytes.
  m = small_moe();
  m.dispatch = Precision::FP8;
  CHECK(PerfModel(m, p, s).step_time(one_per_rank()).comm < fp8.step_time(one_per_rank()).comm);
}

TEST_CASE("block-scaled formats count their scales, and a chip runs only the formats it lists", "[unit][precision]") {
  // Bytes per value with the block scales: NVFP4 an E4M3 per 16 (4.5 bits), MXFP4 and
  // MXFP8 an E8M0 per 32 (4.25 and 8.25 bits); the generic fp4 counts no scale.
  CHECK(precision_bytes(Precision::NVFP4) == 0.5625);
  CHECK(precision_bytes(Precision::MXFP4) == 0.53125);
  CHECK(precision_bytes(Precision::MXFP8) == 1.03125);
  CHECK(precision_bytes(Precision::FP4) == 0.5);
  Model m = small_moe();
  const double fp8_bytes = m.weight_bytes();
  m.weight_parts.routed = Precision::NVFP4;  // the routed experts in NVFP4: 0.5625 of a byte each
  CHECK(fp8_bytes - m.weight_bytes() == Approx(m.routed_expert_params() * (1 - 0.5625)).epsilon(1e-12));
  // A Blackwell-like chip: the generic fp4 and fp8 resolve to its formats; formats it does
  // not list have no peak.
  Chip c;
  c.name = "B";
  c.flops = {{Precision::NVFP4, 4e15}, {Precision::FP8, 2e15}, {Precision::BF16, 1e15}};
  CHECK(c.find_peak(Precision::FP4) == 4e15);
  CHECK(c.find_peak(Precision::NVFP4) == 4e15);
  CHECK(c.find_peak(Precision::MXFP4) == 0);
  CHECK(c.find_peak(Precision::HIF8) == 0);
  CHECK_THROWS_AS(c.peak(Precision::MXFP4), std::logic_error);
  // NVFP4 weights with FP8 activations run in FP8 (weight-only FP4, as on Hopper); MXFP4
  // weights and activations ask for MXFP4, which this chip lacks.
  m.activations = Precision::FP8;
  CHECK_NOTHROW(check_chip_precisions(m, c, "b.yaml"));
  const Platform p = floored();  // FP8 and BF16 only
  CHECK_NOTHROW(check_chip_precisions(m, p.chip, "p.yaml"));
  m.weight_parts.routed = m.activations = Precision::MXFP4;
  CHECK_THROWS_AS(check_chip_precisions(m, c, "b.yaml"), ConfigError);
  // The attention core computes in the wider of the activations and the cache: an MXFP8
  // cache with BF16 activations is dequantized and computed in BF16, which every chip has.
  m = small_moe();
  m.kv_cache = Precision::MXFP8;
  m.activations = Precision::BF16;
  CHECK(m.attention_core_precision() == Precision::BF16);
  CHECK_NOTHROW(check_chip_precisions(m, c, "b.yaml"));
}

TEST_CASE("eager execution: the step waits for the host to issue its kernels, worked by hand", "[perf][unit]") {
  const Model m = small_moe();
  Serving s = small_serving();
  s.overlap = "none";
  Platform p = floored();
  // At one token per rank every part of this small model is floor-bound at 10 us per
  // kernel: 4 layers x 15 attention kernels, 1 dense layer x 5, 3 MoE layers x (8 shared
  // and router + 5 routed), 2 for the head: 106 kernels. The host also issues each layer's
  // two tensor-parallel all-reduces (attention TP2) and each MoE layer's dispatch and
  // combine (two data-parallel ranks): 106 + 4 x 2 + 3 x 2 = 120.
  p.stack.kernel_floor = 10e-6;
  p.stack.launch_latency = 25e-6;
  s.graphs = "all";
  const StepTime graph = PerfModel(m, p, s).step_time(one_per_rank());
  CHECK(graph.compute() == Approx(106 * 10e-6).epsilon(1e-9));
  CHECK(graph.issue == 0);
  // Without graphs the host issues each of them, 25 us apart, ahead of the device: the
  // step takes the longer of the two streams, then the fixed overheads.
  s.graphs = "none";
  const StepTime eager = PerfModel(m, p, s).step_time(one_per_rank());
  CHECK(eager.issue == Approx(120 * 25e-6).epsilon(1e-12));
  CHECK(eager.compute() == graph.compute());  // the device's work is unchanged
  CHECK(eager.total == Approx(120 * 25e-6 + graph.overhead).epsilon(1e-12));
  // A host faster than the device changes nothing.
  p.stack.launch_latency = 1e-6;
  CHECK(PerfModel(m, p, s).step_time(one_per_rank()).total == Approx(graph.total).epsilon(1e-12));
  // "decode" (the default) captures decode-only steps; a step with prompt tokens is eager.
  p.stack.launch_latency = 25e-6;
  s.graphs = "decode";
  const PerfModel pm(m, p, s);
  CHECK(pm.step_time(one_per_rank()).total == Approx(graph.total).epsilon(1e-12));
  BatchShape prompt;
  prompt.prefill_tokens = 8;
  prompt.prefill_attn_pairs = 8 * 4.5;
  prompt.prefill_seqs_done = 1;
  prompt.max_chunk = 8;
  const StepTime mixed = pm.step_time(prompt);
  CHECK(mixed.issue == Approx(120 * 25e-6).epsilon(1e-12));
  CHECK(mixed.total == Approx(std::max(mixed.compute() + mixed.comm, 120 * 25e-6) + mixed.overhead).epsilon(1e-12));
  // Two-batch overlap: each micro-batch issues every kernel, twice the host's work.
  s.overlap = "two_batch";
  CHECK(PerfModel(m, p, s).step_time(prompt).issue == Approx(2 * 120 * 25e-6).epsilon(1e-12));
}

TEST_CASE("all-gather dispatch sends every token to every other chip once, worked by hand", "[perf][unit]") {
  const Model m = small_moe();  // top-2 of 6 experts, 3 MoE layers
  Serving s = small_serving();
  s.attention_tp = 1;  // four data-parallel ranks: no tensor-parallel all-reduce
  s.overlap = "none";
  const Platform p = floored();
  BatchShape b;
  b.decode_seqs = 400;  // 100 tokens per rank
  b.decode_kv_tokens = 400 * 100.0;
  s.dispatch = "direct";
  const double direct = PerfModel(m, p, s).step_time(b).comm;
  s.dispatch = "allgather";
  const double gathered = PerfModel(m, p, s).step_time(b).comm;
  // Per MoE layer: the bytes of 100 tokens' copies over the links, plus 2 link latencies
  // (1 us each) and the dispatch and combine floors (30 + 20 us). All-to-all sends a
  // token's top-2 copies to the other 3 chips' share of the experts, 2 x 3/4 = 1.5 copies;
  // all-gather sends it to all 3 other chips: twice the bytes, the same floors.
  const double floors = 2e-6 + 30e-6 + 20e-6;
  const double bytes_direct = direct / 3 - floors;
  CHECK(bytes_direct > 0);
  CHECK(gathered == Approx(3 * (2 * bytes_direct + floors)).epsilon(1e-12));
}
