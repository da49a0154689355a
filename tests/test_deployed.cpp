// Serving as deployed: disaggregation with KV transfers, prefix caching, preemption,
// routers, goodput and chip failures.
#include <catch2/catch.hpp>

#include "helpers.h"
#include "perf/perf_model.h"

using namespace stacksim;
using stacksim::test::data;
using stacksim::test::spec;

namespace {

double prefill_time(const PerfModel& pm, int64_t tokens, int64_t already, int64_t seqs = 1) {
  BatchShape p;
  p.prefill_tokens = tokens * seqs;
  p.prefill_attn_pairs = double(seqs) * (double(tokens) * double(already) + double(tokens) * double(tokens + 1) / 2);
  p.prefill_seqs_done = seqs;
  p.max_chunk = tokens;
  return pm.step_time(p).total;
}

double decode_time(const PerfModel& pm, int64_t seqs, double kv) {
  BatchShape d;
  d.decode_seqs = seqs;
  d.decode_kv_tokens = kv;
  return pm.step_time(d).total;
}

}  // namespace

TEST_CASE("a disaggregated request's TTFT includes its KV transfer at the link's bandwidth", "[deployed][disagg]") {
  Scenario sc = test::load_one(data("disagg.yaml"));
  REQUIRE(sc.disaggregated());
  const nlohmann::json r = test::run(sc);
  const PerfModel pp(sc.pools[0].model, sc.pools[0].platform, sc.pools[0].serving);
  const PerfModel pd(sc.pools[1].model, sc.pools[1].platform, sc.pools[1].serving);
  // 3000 tokens x 4096 bytes of KV out of one chip's 50 GB/s NIC and into the other's (the
  // uplinks carry 200 GB/s, the scale-up links 100 GB/s but do not leave the domain),
  // latency 2.5 + 2.5 us over the uplinks.
  const double transfer = 3000 * 4096.0 / 50e9 + 5e-6;
  const double ttft = prefill_time(pp, 3000, 0) + transfer;
  CHECK(r["latency_s"]["ttft"]["p50"].get<double>() == Approx(ttft).epsilon(1e-9));
  CHECK(r["kv_transfer_s"]["p50"].get<double>() == Approx(transfer).epsilon(1e-9));
  double e2e = ttft;
  for (int i = 0; i < 49; ++i) e2e += decode_time(pd, 1, 3001 + i);
  CHECK(r["latency_s"]["e2e"]["p50"].get<double>() == Approx(e2e).epsilon(1e-9));
  CHECK(r["pools"].size() == 2);
}

TEST_CASE("two KV transfers sharing a link each take twice as long", "[deployed][disagg]") {
  // One prefill chip, and the decode pool's first three chips fill the rest of its
  // 4-chip scale-up domain (build_platform's placement): both prompts' KV leaves over its
  // 100 GB/s scale-up link to the first decode instance's chip, 0.5 + 0.5 us.
  auto run = [&](int users) {
    Scenario sc = test::load_one(data("disagg.yaml"), {{"workload.users", std::to_string(users)},
                                                       {"workload.requests", std::to_string(users)},
                                                       {"serving.prefill.chips", "1"},
                                                       {"serving.prefill.token_budget_per_chip", "8192"}});
    return test::run(sc);
  };
  const double alone = 3000 * 4096.0 / 100e9;
  const nlohmann::json one = run(1), two = run(2);
  CHECK(one["kv_transfer_s"]["p50"].get<double>() == Approx(alone + 1e-6).epsilon(1e-6));
  // Both prompts are prefilled in the same step, and their flows share the link.
  CHECK(two["kv_transfer_s"]["p50"].get<double>() == Approx(2 * alone + 1e-6).epsilon(1e-6));
  CHECK(two["kv_transfer_s"]["count"] == 2);
  // They land at one instant and join one decode step together: the same latency (with the
  // calendar's first cut at flows, the second joined a step later: found in review).
  CHECK(two["latency_s"]["e2e"]["p99"].get<double>() == Approx(two["latency_s"]["e2e"]["p50"].get<double>()));
  CHECK(two["latency_s"]["e2e"]["mean"].get<double>() == Approx(two["latency_s"]["e2e"]["p50"].get<double>()));
}

TEST_CASE("a repeated prompt hits the prefix cache and skips its prefill", "[deployed][cache]") {
  // Two identical 2048-token prompts (4 blocks of 512), the second after the first is done.
  const std::vector<uint64_t> blocks = {11, 12, 13, 14};
  const std::vector<RequestSpec> specs = {spec(0, 2048, 2, blocks), spec(10, 2048, 2, blocks)};
  Scenario on = test::load_one(data("lone.yaml"), {{"serving.prefix_cache", "{enabled: true}"}});
  Scenario off = test::load_one(data("lone.yaml"));
  const nlohmann::json a = test::run_specs(on, specs), b = test::run_specs(off, specs);
  const PerfModel pm(on.pools[0].model, on.pools[0].platform, on.pools[0].serving);
  // The second prompt reuses 3 blocks (at least one token is computed, for the logits):
  // only its last 512 tokens are prefilled, attending to the 1536 cached ones.
  CHECK(a["prefix_cache"]["saved_prefill_tokens"] == 1536);
  CHECK(a["prefix_cache"]["hit_rate"].get<double>() == Approx(1536.0 / 4096));
  const double full = prefill_time(pm, 2048, 0), cached = prefill_time(pm, 512, 1536);
  CHECK(cached < full / 2);
  CHECK(a["latency_s"]["ttft"]["mean"].get<double>() == Approx((full + cached) / 2).epsilon(1e-9));
  CHECK(b["prefix_cache"]["saved_prefill_tokens"] == 0);
  CHECK(b["latency_s"]["ttft"]["mean"].get<double>() == Approx(full).epsilon(1e-9));
}

TEST_CASE("the prefix-aware router sends a prompt where its prefix is cached", "[deployed][cache][router]") {
  // Eight sessions' prompts, each repeated: with round robin over three instances the
  // repeat mostly lands elsewhere; prefix-aware always finds its cache.
  std::vector<RequestSpec> specs;
  for (int rep = 0; rep < 2; ++rep)
    for (uint64_t s = 0; s < 8; ++s)
      specs.push_back(spec(rep * 10.0 + s * 0.01, 2048, 2, {s * 10 + 1, s * 10 + 2, s * 10 + 3, s * 10 + 4}));
  auto run = [&](const std::string& router) {
    Scenario sc = test::load_one(data("lone.yaml"), {{"serving.chips", "12"},
                                                     {"serving.prefix_cache", "{enabled: true}"},
                                                     {"serving.router", "{type: " + router + "}"}});
    return test::run_specs(sc, specs)["prefix_cache"]["saved_prefill_tokens"].get<int64_t>();
  };
  CHECK(run("prefix_aware") == 8 * 1536);
  CHECK(run("round_robin") < 8 * 1536);
}

TEST_CASE("evicted blocks come back from the second tier at its bandwidth", "[deployed][cache]") {
  // One chip with room for ~3000 tokens of KV: the first prompt's blocks are evicted by
  // the second's into host memory, leaves first (4, 3, 2: block 1 stays in HBM), and
  // loaded back from there for the third (2 and 3; the third computes its last block).
  const std::vector<uint64_t> a = {1, 2, 3, 4}, b = {5, 6, 7, 8};
  const std::vector<RequestSpec> specs = {spec(0, 2048, 2, a), spec(10, 2048, 2, b), spec(20, 2048, 2, a)};
  Scenario sc = test::load_one(
      data("lone.yaml"),
      {{"serving.chips", "1"},
       {"serving.chips_per_instance", "1"},
       {"platform.stack.hbm_reserved", "3650 MB"},
       {"serving.prefix_cache", "{enabled: true, tier2: {capacity_per_chip: 1 GB, bandwidth_per_chip: 1 GB/s}}"}});
  const PerfModel pm(sc.pools[0].model, sc.pools[0].platform, sc.pools[0].serving);
  REQUIRE(pm.memory().kv_tokens_per_instance > 2050);
  REQUIRE(pm.memory().kv_tokens_per_instance < 2 * 2048);
  const nlohmann::json r = test::run_specs(sc, specs);
  CHECK(r["prefix_cache"]["tier2_hit_tokens"] == 1024);
  CHECK(r["prefix_cache"]["saved_prefill_tokens"] == 1536);
  // The third prompt loads 1024 tokens x 4096 bytes at 1 GB/s before its 512-token chunk.
  const double full = prefill_time(pm, 2048, 0), third = prefill_time(pm, 512, 1536) + 1024 * 4096.0 / 1e9;
  CHECK(r["latency_s"]["ttft"]["mean"].get<double>() == Approx((2 * full + third) / 3).epsilon(1e-9));
}

TEST_CASE("a full KV cache preempts, and the preempted requests still complete", "[deployed][preemption]") {
  for (const char* mode : {"recompute", "swap"}) {
    INFO(mode);
    // One chip, on-demand allocation with room for ~6300 tokens: three 2000-token prompts
    // are admitted, and their 4000-token outputs outgrow the cache.
    std::vector<Override> o = {{"serving.chips", "1"},
                               {"serving.chips_per_instance", "1"},
                               {"platform.stack.hbm_reserved", "3637 MB"},
                               {"serving.kv_allocation", "on_demand"},
                               {"serving.preemption", mode},
                               {"workload.users", "8"},
                               {"workload.requests", "16"},
                               {"workload.input_tokens", "{distribution: fixed, value: 2000}"},
                               {"workload.output_tokens", "{distribution: fixed, value: 4000}"}};
    if (std::string(mode) == "swap") o.push_back({"serving.swap_bandwidth_per_chip", "20 GB/s"});
    Scenario sc = test::load_one(data("lone.yaml"), o);
    const nlohmann::json r = test::run(sc);
    CHECK(r["preemption"]["count"].get<int64_t>() > 0);
    CHECK(r["requests"]["completed"] == 16);
    CHECK(r["kv_cache"]["overflows"] == 0);
    CHECK(r["kv_cache"]["peak_utilisation"].get<double>() <= 1.0);
    if (std::string(mode) == "swap")
      CHECK(r["preemption"]["swapped_tokens"].get<int64_t>() > 0);
    else
      CHECK(r["preemption"]["recomputed_tokens"].get<int64_t>() > 0);
  }
}

TEST_CASE("goodput counts the requests that meet both SLOs", "[deployed][slo]") {
  // A lone request takes ~7 ms to its first token and ~1.3 ms per token after.
  auto good = [&](const std::string& slo) {
    Scenario sc = test::load_one(data("lone.yaml"), {{"workload.slo", slo}});
    return test::run(sc)["goodput"]["slo_attainment"].get<double>();
  };
  CHECK(good("{ttft: 1 s, tpot: 1 s}") == 1.0);
  CHECK(good("{ttft: 1 ms}") == 0.0);
  CHECK(good("{tpot: 0.1 ms}") == 0.0);
}

TEST_CASE("under chip failures every request is accounted for", "[deployed][failures]") {
  for (const char* layout : {"colocated", "disaggregated"}) {
    INFO(layout);
    std::vector<Override> o = {{"failures", "{mtbf_per_chip: 20 s, repair_time: 2 s}"},
                               {"workload", test::data("tiny-workload.yaml")},
                               {"workload.requests", "400"},
                               {"workload.arrival.rate", "40/s"}};
    Scenario sc = std::string(layout) == "colocated" ? test::load_one(data("busy.yaml"), o)
                                                     : test::load_one(data("disagg.yaml"), o);
    const nlohmann::json r = test::run(sc);
    const auto& q = r["requests"];
    CHECK(q["generated"] == 400);
    CHECK(q["completed"].get<int64_t>() + q["rejected"].get<int64_t>() == 400);
    CHECK(q["in_flight"] == 0);
    CHECK(r["failures"]["chip_failures"].get<int64_t>() > 0);
    CHECK(r["failures"]["retried_requests"].get<int64_t>() > 0);
    CHECK(r["failures"]["lost_chip_hours"].get<double>() > 0);
  }
}

TEST_CASE("requests give up on instances that never come back, so the run ends", "[deployed][failures]") {
  // A chip fails every ~1 s and takes 1000 s to repair: an instance is almost never
  // whole. Found by the scenario fuzzer as a run that never ended (every request waiting
  // for its pool forever while the failures went on).
  for (const char* layout : {"colocated", "disaggregated"}) {
    INFO(layout);
    const std::vector<Override> o = {{"failures", "{mtbf_per_chip: 1 s, repair_time: 1000 s, max_wait: 5 min}"},
                                     {"workload", test::data("tiny-workload.yaml")},
                                     {"workload.requests", "100"},
                                     {"workload.arrival.rate", "10/s"}};
    Scenario sc = std::string(layout) == "colocated" ? test::load_one(data("busy.yaml"), o)
                                                     : test::load_one(data("disagg.yaml"), o);
    const nlohmann::json r = test::run(sc);
    const auto& q = r["requests"];
    CHECK(q["completed"].get<int64_t>() + q["rejected"].get<int64_t>() == 100);
    CHECK(q["in_flight"] == 0);
    CHECK(q["rejected_by_reason"].value("no_instance_up", 0) > 50);
    // A request waits max_wait (after its prompt, disaggregated), and only once here: its
    // instance is never back.
    CHECK(r["simulated_seconds"].get<double>() > 300);
    CHECK(r["simulated_seconds"].get<double>() < 10 + 300 + 5);
  }
  // With no retries allowed, a request whose instance fails is rejected at once.
  Scenario sc =
      test::load_one(data("busy.yaml"), {{"failures", "{mtbf_per_chip: 20 s, repair_time: 2 s, max_retries: 0}"},
                                         {"workload", test::data("tiny-workload.yaml")},
                                         {"workload.requests", "400"},
                                         {"workload.arrival.rate", "40/s"}});
  const nlohmann::json r = test::run(sc);
  CHECK(r["failures"]["retried_requests"] == 0);
  CHECK(r["requests"]["rejected_by_reason"].value("instance_failures", 0) > 0);
}

TEST_CASE("document batch jobs are counted against their deadline", "[deployed][slo]") {
  auto met = [&](const std::string& deadline) {
    Scenario sc = test::load_one(data("lone.yaml"), {{"workload", test::repo("workloads/document-batch.yaml")},
                                                     {"workload.jobs", "3"},
                                                     {"workload.input_tokens", "{distribution: fixed, value: 2000}"},
                                                     {"workload.documents_per_job", "{distribution: fixed, value: 5}"},
                                                     {"workload.deadline", deadline}});
    const nlohmann::json r = test::run(sc);
    REQUIRE(r["jobs"]["count"] == 3);
    REQUIRE(r["requests"]["completed"] == 15);
    return r["jobs"]["met_deadline"].get<int64_t>();
  };
  CHECK(met("1 h") == 3);
  CHECK(met("1 ms") == 0);
}
