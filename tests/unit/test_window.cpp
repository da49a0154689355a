// The steady-state window (RunSummary::SteadyState): which requests and which tokens
// count, on a hand-worked case.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "metrics/metrics.h"

using namespace stacksim;

namespace {

// One colocated pool of `chips` chips in one instance, and a run that ended at `end`.
struct OnePool {
  Scenario sc;
  RunStats run;
  OnePool(int chips, double end) {
    sc.pools.emplace_back();
    sc.pools[0].serving.chips = sc.pools[0].serving.chips_per_instance = chips;
    run.pools.push_back({&sc.pools[0], {}, 1000, -1});
    run.end_time = end;
  }
};

}  // namespace

TEST_CASE("the steady-state window counts what arrives after the warm-up and is produced before the last arrival") {
  OnePool one(8, 41);
  Slo slo;
  slo.ttft = 2;
  MetricsCollector m;
  m.set_warmup(10);
  m.generated(-1, 5);
  m.generated(-1, 12);
  // A: arrived in the warm-up; 6 of its 10 decode seconds fall in the window.
  m.completed(5, 6, 16, 100, 11, slo);
  // B: wholly in the window.
  m.completed(12, 13, 23, 200, 21, slo);
  m.generated(-1, 30);
  m.arrivals_ended();
  // C: arrived at the window's end, produced everything after it (the drain).
  m.completed(30, 33, 43, 50, 11, slo);
  const RunSummary s = m.summarize(one.sc, one.run);
  const RunSummary::SteadyState& w = s.steady_state;
  CHECK(w.start_s == 10);
  CHECK(w.end_s == 30);
  CHECK(w.length_s == 20);
  CHECK(w.requests == 2);
  CHECK(w.completed == 2);
  CHECK(w.input_tokens_per_s == Approx(200.0 / 20));
  CHECK(w.output_tokens_per_s == Approx((11 * 6.0 / 10 + 21) / 20));
  CHECK(w.output_tokens_per_s_per_chip == Approx(w.output_tokens_per_s / 8));
  CHECK(w.ttft.count == 2);
  CHECK(w.ttft.p99 == Approx(3).epsilon(0.02));
  CHECK(w.slo_attainment == Approx(0.5));  // C's TTFT of 3 s misses the 2 s target
  // The whole-run figures still count every request.
  CHECK(s.latency_s.ttft.count == 3);
}

TEST_CASE("a warm-up past the last arrival leaves an empty window, not a negative one") {
  OnePool one(1, 5);
  MetricsCollector m;
  m.set_warmup(100);
  m.generated(-1, 1);
  m.arrivals_ended();
  m.completed(1, 2, 5, 10, 4, Slo{});
  const RunSummary s = m.summarize(one.sc, one.run);
  CHECK(s.steady_state.length_s == 0);
  CHECK(s.steady_state.requests == 0);
  CHECK(s.steady_state.output_tokens_per_s == 0);
  CHECK(s.steady_state.slo_attainment == 0);
}

TEST_CASE("inter-token gaps: one per sequence per decode step, the window's those that began in it") {
  OnePool one(8, 41);
  MetricsCollector m;
  m.set_warmup(10);
  m.generated(-1, 1);
  m.decode_step(5, 0.02, 4);   // in the warm-up: the run's only
  m.decode_step(12, 0.05, 3);  // in the window
  m.generated(-1, 30);
  m.arrivals_ended();
  m.decode_step(30, 0.04, 2);   // began at the last arrival: the window's still
  m.decode_step(31, 0.5, 100);  // the drain
  const RunSummary s = m.summarize(one.sc, one.run);
  CHECK(s.latency_s.itl.count == 109);
  CHECK(s.latency_s.itl.mean == Approx((4 * 0.02 + 3 * 0.05 + 2 * 0.04 + 100 * 0.5) / 109));
  CHECK(s.steady_state.itl.count == 5);
  CHECK(s.steady_state.itl.p50 == Approx(0.05));
  CHECK(s.steady_state.itl.mean == Approx((3 * 0.05 + 2 * 0.04) / 5));
}

TEST_CASE("samples added n at a time are the samples added one by one, exact or folded") {
  for (size_t limit : {size_t(1000), size_t(10)}) {
    Samples a(limit), b(limit);
    for (int i = 1; i <= 50; ++i) {
      a.add(0.001 * i, i % 7);
      for (int k = 0; k < i % 7; ++k) b.add(0.001 * i);
    }
    const Percentiles pa = a.percentiles(), pb = b.percentiles();
    INFO("limit " << limit);
    CHECK(a.count() == b.count());
    CHECK(a.approximate() == b.approximate());
    CHECK(pa.mean == Approx(pb.mean).epsilon(1e-15));
    CHECK(pa.p50 == pb.p50);
    CHECK(pa.p99 == pb.p99);
  }
}

TEST_CASE("folded samples fall in the same buckets whatever their order (the last bucket's range is reused)") {
  // Gaps that wander up and down across bucket boundaries (1% apart), as a decode
  // instance's step times do, folded in their order and in sorted order.
  std::vector<double> xs;
  for (int i = 0; i < 3000; ++i) xs.push_back(0.02 * (1 + 0.03 * std::sin(i * 0.37)) * (1 + 1e-4 * (i % 11)));
  xs.push_back(0.0);
  Samples a(1), b(1);
  for (double x : xs) a.add(x, 3);
  std::vector<double> sorted = xs;
  std::sort(sorted.begin(), sorted.end());
  for (double x : sorted) b.add(x, 3);
  const Percentiles pa = a.percentiles(true), pb = b.percentiles(true);
  CHECK(a.approximate());
  CHECK(pa.cdf == pb.cdf);  // bucket for bucket
  CHECK(pa.cdf[0] == 0.0);
}

TEST_CASE("the standard deviation is the population one, exact or folded") {
  for (size_t limit : {size_t(100), size_t(2)}) {
    Samples s(limit);
    for (double x : {1.0, 2.0, 3.0, 4.0}) s.add(x);
    INFO("limit " << limit);
    CHECK(s.percentiles().stdev == Approx(std::sqrt(1.25)));
  }
}
