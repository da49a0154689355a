// The step time's communication on a small MoE built in code, worked by hand: the bytes
// over the links plus the fixed latencies of each operation (the stack's latency floors).
#include <catch2/catch.hpp>

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
  s.two_batch_overlap = false;
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
  // One chip has nobody to dispatch to: no floor, and no all-reduce without TP.
  p = floored();
  s.chips = s.chips_per_instance = 1;
  s.attention_tp = 1;
  s.redundant_experts = 0;
  const StepTime alone = PerfModel(m, p, s).step_time(one_per_rank());
  CHECK(alone.comm == Approx(3 * 2e-6).epsilon(1e-9));
}

TEST_CASE("two-batch overlap hides the floors behind computation only as far as it lasts", "[perf][unit]") {
  const Model m = small_moe();
  Serving s = small_serving();
  s.two_batch_overlap = true;
  const StepTime t = PerfModel(m, floored(), s).step_time(one_per_rank());
  // Two micro-batches: max(compute, comm) + min(compute, comm) / 2 (perf_model.h).
  CHECK(t.comm > t.compute());  // a one-token step is floor-bound
  CHECK(t.total == Approx(t.comm + t.compute() / 2).epsilon(1e-12));
}
