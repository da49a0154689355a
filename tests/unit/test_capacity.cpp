// The deployment search's analytic screen (perf/capacity.h): its queueing formula against
// the exact M/M/c results, and its pools on a chip whose every step costs a fixed 10 ms.
#include <catch2/catch.hpp>
#include <cmath>

#include "perf/capacity.h"
#include "small_moe.h"

using namespace stacksim;

TEST_CASE("the wait quantile is exact for M/M/1 and M/M/c, zero below the chance of waiting, infinite when unstable") {
  // M/M/1 at rho 0.5: P(W > t) = rho exp(-mu (1 - rho) t).
  CHECK(queue_wait_quantile(0.5, 1, 1, 1, 0.99) == Approx(2 * std::log(50)));
  // M/M/2 with a = 1: Erlang C = 1/3; P(W > t) = C exp(-(c mu - lambda) t).
  CHECK(queue_wait_quantile(1, 1, 1, 2, 0.9) == Approx(std::log(10.0 / 3)));
  // Constant service halves the tail's scale (Allen-Cunneen).
  CHECK(queue_wait_quantile(1, 1, 0, 2, 0.9) == Approx(std::log(10.0 / 3) / 2));
  CHECK(queue_wait_quantile(1, 1, 1, 2, 0.5) == 0);  // two in three arrivals do not wait
  CHECK(std::isinf(queue_wait_quantile(2, 1, 1, 2, 0.5)));
}

namespace {

// One chip whose steps cost their 10 ms overhead (everything else at 1e18/s).
Platform fixed_step_chip() {
  Platform p;
  p.chip.flops = {{Precision::BF16, 1e18}, {Precision::FP8, 1e18}};
  p.chip.hbm_capacity = 1e15;
  p.chip.hbm_bandwidth = 1e18;
  p.scale_up.chips_per_domain = 1;
  p.scale_up.bandwidth_per_chip = 1e18;
  p.cluster_chips = 1;
  p.stack.gemm_efficiency = p.stack.attention_efficiency = p.stack.memory_efficiency = 1;
  p.stack.scale_up_efficiency = p.stack.scale_out_efficiency = 1;
  p.stack.layer_overhead = 0;
  p.stack.step_overhead = 0.010;
  return p;
}

Serving one_chip_serving() {
  Serving s;
  s.chips = s.chips_per_instance = 1;
  s.overlap = "none";
  s.token_budget_per_chip = 1000;
  s.routing.type = "balanced";
  return s;
}

// `n` requests at `rate`, each `prompt` + `output` tokens.
LoadStats steady(double rate, int64_t prompt, int64_t output, int n = 1000) {
  std::vector<RequestSpec> r;
  r.resize(size_t(n));
  for (int i = 0; i < n; ++i) {
    r[size_t(i)].arrival = i / rate;
    r[size_t(i)].input_tokens = prompt;
    r[size_t(i)].output_tokens = output;
  }
  return load_stats(r);
}

}  // namespace

TEST_CASE("a decode pool holds the batch Little's law gives, a prefill pool is busy as its load") {
  const Model m = test::small_moe();
  const Platform p = fixed_step_chip();
  const Serving s = one_chip_serving();
  const PerfModel pm(m, p, s);
  REQUIRE(pm.step_time(BatchShape{1, 100}).total == Approx(0.010).epsilon(0.01));
  // 10 requests/s of 100 output tokens, each step 10 ms: B = 10 x 100 x 0.01 = 10.
  const LoadStats l = steady(10, 500, 100);
  CHECK(l.rate == Approx(10));
  const PoolEstimate d = estimate_pool(pm, s, l, "decode", 1);
  REQUIRE(d.feasible);
  CHECK(d.batch == Approx(10).epsilon(0.02));
  CHECK(d.tpot.p50 == Approx(0.010).epsilon(0.02));
  CHECK(d.tpot.p99 >= d.tpot.p50);
  // Prefill: a 500-token prompt is one step; 50 prompts/s keep the rank busy half the time.
  const PoolEstimate f = estimate_pool(pm, s, steady(50, 500, 100), "prefill", 1);
  REQUIRE(f.feasible);
  CHECK(f.prefill_busy == Approx(0.5).epsilon(0.02));
  CHECK(f.ttft.p50 >= 0.010 * 0.99);
  CHECK(f.ttft.p99 > f.ttft.p50);
  // 150 prompts/s is more than a rank's 100 steps/s.
  CHECK(estimate_pool(pm, s, steady(150, 500, 100), "prefill", 1).limit == "prefill");
  CHECK(estimate_pool(pm, s, steady(150, 500, 100), "prefill", 2).feasible);
}

TEST_CASE("a colocated pool's latencies do not grow as it gains instances; a full batch is its limit") {
  const Model m = test::small_moe();
  const Platform p = fixed_step_chip();
  Serving s = one_chip_serving();
  s.max_seqs_per_chip = 16;
  const PerfModel pm(m, p, s);
  const LoadStats l = steady(30, 2000, 100);  // ~30 busy slots: two instances of 16 at least
  CHECK(estimate_pool(pm, s, l, "colocated", 1).limit == "batch");
  double ttft = 1e300, tpot = 1e300;
  for (int64_t n = 3; n <= 8; ++n) {
    const PoolEstimate e = estimate_pool(pm, s, l, "colocated", n);
    REQUIRE(e.feasible);
    CHECK(e.ttft.p99 <= ttft * 1.0001);
    CHECK(e.tpot.p99 <= tpot * 1.0001);
    ttft = e.ttft.p99;
    tpot = e.tpot.p99;
  }
}

TEST_CASE("a pool whose KV cache holds too few sequences gains instances; one whose request cannot fit does not") {
  const Model m = test::small_moe();
  Platform p = fixed_step_chip();
  p.chip.hbm_capacity = 100e6;  // ~12 sequences of 2,100 tokens at 3.2 KB per token
  Serving s = one_chip_serving();
  const PerfModel pm(m, p, s);
  const LoadStats l = steady(30, 2000, 100);  // ~30 busy slots
  CHECK(estimate_pool(pm, s, l, "colocated", 1).limit == "kv");
  CHECK(estimate_pool(pm, s, l, "colocated", 8).feasible);
  // A 100,000-token request cannot fit one rank at all.
  const LoadStats huge = steady(1, 100000, 100);
  CHECK(estimate_pool(pm, s, huge, "colocated", 8).limit == "memory");
}
