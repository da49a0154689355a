#include "metrics/summary.h"

namespace stacksim {

using nlohmann::json;

void to_json(json& j, const LatencyStats& s) {
  j = {{"mean", s.mean}, {"std", s.stdev}, {"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99}, {"count", s.count}};
  if (s.approximate_within > 0) j["approximate_within"] = s.approximate_within;
  if (!s.cdf.empty()) j["cdf"] = s.cdf;
}

void from_json(const json& j, LatencyStats& s) {
  j.at("mean").get_to(s.mean);
  j.at("std").get_to(s.stdev);
  j.at("p50").get_to(s.p50);
  j.at("p90").get_to(s.p90);
  j.at("p99").get_to(s.p99);
  j.at("count").get_to(s.count);
  s.approximate_within = j.value("approximate_within", 0.0);
  s.cdf = j.value("cdf", std::vector<double>{});
}

void to_json(json& j, const RunSummary& s) {
  j = {{"scenario", s.scenario},
       {"platform", s.platform},
       {"model", s.model},
       {"workload", s.workload},
       {"seed", s.seed},
       {"layout", s.layout},
       {"requests", s.requests},
       {"simulated_seconds", s.simulated_seconds},
       {"throughput", s.throughput},
       {"goodput", s.goodput},
       {"latency_s", s.latency_s},
       {"steady_state", s.steady_state},
       {"pools", s.pools},
       {"kv_cache", s.kv_cache},
       {"prefix_cache", s.prefix_cache},
       {"preemption", s.preemption},
       {"kv_transfer_s", s.kv_transfer_s},
       {"failures", s.failures},
       {"engine", s.engine},
       {"cost", s.cost}};
  if (s.jobs) j["jobs"] = *s.jobs;
}

void from_json(const json& j, RunSummary& s) {
  j.at("scenario").get_to(s.scenario);
  j.at("platform").get_to(s.platform);
  j.at("model").get_to(s.model);
  j.at("workload").get_to(s.workload);
  j.at("seed").get_to(s.seed);
  j.at("layout").get_to(s.layout);
  j.at("requests").get_to(s.requests);
  j.at("simulated_seconds").get_to(s.simulated_seconds);
  j.at("throughput").get_to(s.throughput);
  j.at("goodput").get_to(s.goodput);
  s.jobs.reset();
  if (j.contains("jobs")) {
    RunSummary::Jobs jobs;  // not s.jobs.emplace(): clang 14 takes Jobs for not default-constructible there
    j.at("jobs").get_to(jobs);
    s.jobs = jobs;
  }
  j.at("latency_s").get_to(s.latency_s);
  j.at("steady_state").get_to(s.steady_state);
  j.at("pools").get_to(s.pools);
  j.at("kv_cache").get_to(s.kv_cache);
  j.at("prefix_cache").get_to(s.prefix_cache);
  j.at("preemption").get_to(s.preemption);
  j.at("kv_transfer_s").get_to(s.kv_transfer_s);
  j.at("failures").get_to(s.failures);
  j.at("engine").get_to(s.engine);
  j.at("cost").get_to(s.cost);
}

}  // namespace stacksim
