// The typed summary: JSON round trip, optional sections, and a mistyped or missing key
// failing loudly.
#include <catch2/catch.hpp>

#include "metrics/summary.h"

using namespace stacksim;

namespace {

RunSummary sample() {
  RunSummary s;
  s.scenario = "a";
  s.platform = "p + q";
  s.model = "m";
  s.workload = "w";
  s.seed = 7;
  s.layout = {16, 2, 0, true, "least_loaded"};
  s.requests.generated = 10;
  s.requests.completed = 8;
  s.requests.rejected = 2;
  s.requests.rejected_by_reason = {{"exceeds_kv_capacity", 2}};
  s.simulated_seconds = 12.5;
  s.throughput = {0.64, 1e5 / 3, 250, 1e5 / 48, 15.625};
  s.goodput = {0.5, 0.78125, 2, 0.05};
  s.jobs = RunSummary::Jobs{3, 1, 600};
  s.latency_s.ttft = {0.1, 0.02, 0.09, 0.2, 0.3, 8, 0, {}};
  s.latency_s.tpot = {0.01, 0.004, 0.01, 0.02, 0.03, 8, std::sqrt(1.01) - 1, {}};
  s.latency_s.e2e.cdf = std::vector<double>(101, 1.5);
  s.pools = {{"prefill", "p", 8, 1, 8, 1000, 0.5, 20}, {"decode", "q", 8, 1, 8, 2000, 0.25, 30}};
  s.kv_cache = {2000, 0, 0.1, 0.3};
  s.prefix_cache = {0.25, 100, 10, 400};
  s.preemption = {1, 50, 0};
  s.kv_transfer_s = {0.002, 0.0005, 0.002, 0.003, 0.004, 4, 0, {}};
  s.failures = {1, 1, 3, 0.5};
  s.engine = {100, 250, 130, 0.4, 3.5};
  s.cost.usd_total = 1.25;
  s.cost.energy_scope = "facility";
  s.cost.pricing = "ownership";
  return s;
}

}  // namespace

TEST_CASE("a summary survives a JSON round trip byte for byte") {
  const nlohmann::json j = sample();
  const RunSummary back = j.get<RunSummary>();
  CHECK(nlohmann::json(back).dump() == j.dump());
  CHECK(back.jobs->met_deadline == 1);
  CHECK(back.latency_s.tpot.approximate_within > 0);
  CHECK(back.pools[1].role == "decode");
}

TEST_CASE("optional parts are left out of the JSON when absent, and come back absent") {
  RunSummary s = sample();
  s.jobs.reset();
  const nlohmann::json j = s;
  CHECK_FALSE(j.contains("jobs"));
  CHECK_FALSE(j["latency_s"]["ttft"].contains("approximate_within"));
  CHECK_FALSE(j["latency_s"]["ttft"].contains("cdf"));
  CHECK(j["latency_s"]["e2e"]["cdf"].size() == 101);
  CHECK_FALSE(j.get<RunSummary>().jobs.has_value());
}

TEST_CASE("the JSON key names are the documented ones") {
  const nlohmann::json j = sample();
  CHECK(j.at("latency_s").at("ttft").at("p99") == 0.3);
  CHECK(j.at("cost").at("usd_total") == 1.25);
  CHECK(j.at("layout").at("router") == "least_loaded");
  CHECK(j.at("requests").at("rejected_by_reason").at("exceeds_kv_capacity") == 2);
}

TEST_CASE("a summary with a missing or mistyped key is refused, naming it") {
  nlohmann::json j = sample();
  j["cost"].erase("usd_total");
  CHECK_THROWS_WITH(j.get<RunSummary>(), Catch::Contains("usd_total"));
  j = sample();
  j["requests"]["completed"] = "eight";
  CHECK_THROWS_AS(j.get<RunSummary>(), nlohmann::json::exception);
}
