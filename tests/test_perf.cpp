#include <catch2/catch.hpp>

#include "helpers.h"
#include "perf/perf_model.h"

using namespace stacksim;
using stacksim::test::data;
using stacksim::test::repo;

namespace {

Scenario v3_on(const std::string& platform, std::vector<Override> extra = {}) {
  std::vector<Override> o = {{"platform", repo("platforms/" + platform + ".yaml")},
                             {"model", repo("models/deepseek-v3.yaml")},
                             {"serving.chips", "64"},
                             {"serving.chips_per_instance", "32"}};
  o.insert(o.end(), extra.begin(), extra.end());
  return test::load_one(data("lone.yaml"), o);
}

BatchShape decode(int64_t seqs, double kv_per_seq) {
  BatchShape b;
  b.decode_seqs = seqs;
  b.decode_kv_tokens = seqs * kv_per_seq;
  return b;
}

BatchShape prefill(int64_t tokens) {
  BatchShape b;
  b.prefill_tokens = tokens;
  b.prefill_attn_pairs = double(tokens) * double(tokens + 1) / 2;
  b.max_chunk = tokens;
  b.prefill_seqs_done = 1;
  return b;
}

}  // namespace

TEST_CASE("memory-bound decode time grows with KV length and with batch", "[perf]") {
  Scenario sc = v3_on("vera-rubin-nvl72");
  PerfModel pm(sc.pools[0].model, sc.pools[0].platform, sc.pools[0].serving);
  const double dp = sc.pools[0].serving.dp_ranks();
  double prev = 0;
  // From 16K tokens on (below it, a layer's attention over 64 sequences reads less than
  // its 15 kernels' floor on Rubin's HBM, and the step does not move).
  for (double kv : {16000.0, 32000.0, 64000.0, 128000.0}) {
    const double t = pm.step_time(decode(int64_t(64 * dp), kv)).total;
    CHECK(t > prev);
    prev = t;
  }
  const double short_kv = pm.step_time(decode(int64_t(64 * dp), 1000)).total;
  CHECK(pm.step_time(decode(int64_t(64 * dp), 2000)).total == Approx(short_kv).epsilon(1e-12));
  prev = 0;
  for (int64_t per_rank : {1, 8, 64, 256}) {
    const double t = pm.step_time(decode(int64_t(per_rank * dp), 4000)).total;
    CHECK(t > prev);
    prev = t;
  }
  // Decode attention reads the whole KV of every sequence: at long contexts the
  // attention part grows linearly in the KV it reads.
  const double a1 = pm.step_time(decode(int64_t(64 * dp), 32000)).attention;
  const double a2 = pm.step_time(decode(int64_t(64 * dp), 64000)).attention;
  CHECK(a2 / a1 == Approx(2.0).epsilon(0.1));
}

TEST_CASE("compute-bound prefill grows with tokens, attention quadratically", "[perf]") {
  Scenario sc = v3_on("vera-rubin-nvl72");
  PerfModel pm(sc.pools[0].model, sc.pools[0].platform, sc.pools[0].serving);
  const StepTime t4 = pm.step_time(prefill(4096));
  const StepTime t8 = pm.step_time(prefill(8192));
  const StepTime t16 = pm.step_time(prefill(16384));
  CHECK(t8.total > t4.total);
  CHECK(t16.total > t8.total);
  // Core attention FLOPs are quadratic in the prompt: doubling it roughly quadruples
  // the attention part once projections are small beside the core.
  const StepTime t64 = pm.step_time(prefill(65536));
  const StepTime t128 = pm.step_time(prefill(131072));
  CHECK(t128.attention / t64.attention == Approx(4.0).epsilon(0.15));
  // Expert GEMMs are linear in tokens once compute-bound (at 1k tokens per step they
  // still mostly read weights).
  CHECK(t128.experts / t64.experts == Approx(2.0).epsilon(0.01));
  CHECK(pm.step_time(prefill(2048)).experts / pm.step_time(prefill(1024)).experts < 2.0);
}

TEST_CASE("two-batch overlap lies between its longest part and the sum of its parts, and pays off in prefill",
          "[perf]") {
  for (const char* platform : {"vera-rubin-nvl72", "ascend-950pr"}) {
    // Graph-captured steps throughout: an eager step may wait for the host instead.
    Scenario on = v3_on(platform, {{"serving.overlap", "two_batch"}, {"serving.graphs", "all"}});
    Scenario off = v3_on(platform, {{"serving.overlap", "none"}, {"serving.graphs", "all"}});
    PerfModel pon(on.pools[0].model, on.pools[0].platform, on.pools[0].serving),
        poff(off.pools[0].model, off.pools[0].platform, off.pools[0].serving);
    for (const BatchShape& b : {decode(32 * 16, 4000), decode(32 * 256, 2000), prefill(8192), prefill(500)}) {
      const StepTime a = pon.step_time(b), n = poff.step_time(b);
      INFO(platform);
      CHECK(a.total >= std::max(a.compute(), a.comm) + a.overhead);
      CHECK(a.total <= a.compute() + a.comm + a.overhead + 1e-15);
      CHECK(n.total == Approx(n.compute() + n.comm + n.overhead));
      // Two micro-batches compute at least what one batch does (each reads the weights).
      CHECK(a.compute() >= n.compute() * (1 - 1e-12));
    }
    // A long prefill is compute-bound: the second weight read costs little, and the
    // communication hides.
    CHECK(pon.step_time(prefill(8192)).total < poff.step_time(prefill(8192)).total);
  }
}

TEST_CASE("MTP raises tokens per step by the expected amount", "[perf]") {
  Scenario none = v3_on("vera-rubin-nvl72");
  CHECK(PerfModel(none.pools[0].model, none.pools[0].platform, none.pools[0].serving).tokens_per_step() == 1.0);
  Scenario one = v3_on("vera-rubin-nvl72", {{"serving.mtp", "{draft_tokens: 1, acceptance: 0.7}"}});
  PerfModel p1(one.pools[0].model, one.pools[0].platform, one.pools[0].serving);
  CHECK(p1.tokens_per_step() == Approx(1.7));
  Scenario two = v3_on("vera-rubin-nvl72", {{"serving.mtp", "{draft_tokens: 2, acceptance: 0.8}"}});
  CHECK(PerfModel(two.pools[0].model, two.pools[0].platform, two.pools[0].serving).tokens_per_step() ==
        Approx(1 + 0.8 + 0.64));
  // Verifying drafts costs compute: a step with MTP is slower, but not by more than the
  // extra tokens it verifies.
  PerfModel p0(none.pools[0].model, none.pools[0].platform, none.pools[0].serving);
  const BatchShape b = decode(32 * 64, 4000);
  CHECK(p1.step_time(b).total > p0.step_time(b).total);
  CHECK(p1.step_time(b).total < 2.0 * p0.step_time(b).total);
}

TEST_CASE("KV capacity is HBM minus weights and reserve", "[perf]") {
  Scenario sc = test::load_one(data("lone.yaml"));
  MemoryPlan mp = memory_plan(sc.pools[0].model, sc.pools[0].platform, sc.pools[0].serving);
  const double routed = sc.pools[0].model.routed_expert_params() / 4;
  CHECK(mp.weights_per_chip == Approx((sc.pools[0].model.replicated_params() + routed) * 2));
  CHECK(mp.kv_bytes_per_chip == Approx(4e9 - 1e9 - mp.weights_per_chip));
  // GQA, 2 kv heads * 128 * 2 (K and V) * 4 layers * 2 bytes = 4096 bytes per token.
  CHECK(mp.kv_bytes_per_token == 4096);
  CHECK(mp.kv_tokens_per_rank == int64_t(mp.kv_bytes_per_chip / 4096));
  CHECK(mp.kv_tokens_per_instance == 4 * mp.kv_tokens_per_rank);
}

TEST_CASE("sliding-window layers hold and read at most the window", "[perf]") {
  const std::vector<Override> gemma = {{"model", repo("models/gemma-4-31b.yaml")},
                                       {"platform", repo("platforms/mtia-400.yaml")},
                                       {"serving.chips", "8"},
                                       {"serving.chips_per_instance", "8"},
                                       {"serving.attention_tp", "8"}};
  Scenario sc = test::load_one(data("lone.yaml"), gemma);
  const PoolSpec& p = sc.pools[0];
  const MemoryPlan mp = memory_plan(p.model, p.platform, p.serving);
  // TP8: the 4 global KV heads split 4 ways (81,920 / 4 B per token per chip), the 16
  // sliding ones 8 ways (819,200 / 8): a window token costs 5 global-token equivalents.
  CHECK(mp.kv_bytes_per_token == 20480);
  CHECK(mp.kv_window == 1024);
  CHECK(mp.kv_window_ratio == Approx(5.0));
  CHECK(mp.held_tokens(100) == 600);
  CHECK(mp.held_tokens(32768) == 32768 + 5120);
  // Decode at long contexts: only the global layers' reads grow with the context. The same
  // model with a window longer than every context reads all of it in every layer.
  PerfModel pm(p.model, p.platform, p.serving);
  std::vector<Override> wide = gemma;
  wide.push_back({"model.attention.sliding.window", "1000000"});
  Scenario sw = test::load_one(data("lone.yaml"), wide);
  PerfModel pw(sw.pools[0].model, sw.pools[0].platform, sw.pools[0].serving);
  const auto grow = [](const PerfModel& m) {
    return m.step_time(decode(64, 128000)).attention - m.step_time(decode(64, 64000)).attention;
  };
  const double g = 10.0 / 60, bytes_g = 20480.0 / 10, bytes_s = 819200.0 / 8 / 50;
  // Per token per layer: a global layer reads 2,048 B on this chip, a sliding one 2,048 B.
  CHECK(bytes_g == bytes_s);
  CHECK(grow(pm) > 0);
  CHECK(grow(pm) / grow(pw) == Approx(g).epsilon(1e-6));
}
