// A fleet's summary from its clusters' (fleet/fleet.h): merged in cluster order, so that
// the sums of floating-point figures are the same whatever ranks ran the clusters.
#include <map>
#include <stdexcept>

#include "fleet/fleet.h"
#include "metrics/metrics.h"
#include "util/table.h"

namespace stacksim {

namespace {

// Sums of one group's clusters, or of the whole fleet.
struct Totals {
  int64_t clusters = 0, simulated = 0, idle = 0, chips = 0;
  int64_t generated = 0, completed = 0, rejected = 0, in_flight = 0, good = 0;
  double rate = 0, requests_per_s = 0, input_tps = 0, output_tps = 0, goodput = 0;
  double usd = 0, input_usd = 0, idle_usd = 0, input_tokens = 0, output_tokens = 0, usd_per_hour = 0, chip_hours = 0,
         kwh = 0;
  int64_t chip_failures = 0, instance_failures = 0, retried = 0;
  int64_t jobs = 0, jobs_met = 0;  // document batches (a workload deadline)
  bool has_jobs = false;
  std::map<std::string, Samples> latency;  // ttft, tpot, e2e, itl

  void add_simulated(const nlohmann::json& s) {
    ++simulated;
    const auto& rq = s.at("requests");
    generated += rq.at("generated").get<int64_t>();
    completed += rq.at("completed").get<int64_t>();
    rejected += rq.at("rejected").get<int64_t>();
    in_flight += rq.at("in_flight").get<int64_t>();
    const double span = s.at("simulated_seconds").get<double>();
    const auto& t = s.at("throughput");
    requests_per_s += t.at("requests_per_s").get<double>();
    input_tps += t.at("input_tokens_per_s").get<double>();
    output_tps += t.at("output_tokens_per_s").get<double>();
    input_tokens += t.at("input_tokens_per_s").get<double>() * span;
    output_tokens += t.at("output_tokens_per_s").get<double>() * span;
    const auto& g = s.at("goodput");
    goodput += g.at("requests_per_s").get<double>();
    good += std::llround(g.at("slo_attainment").get<double>() * double(rq.at("completed").get<int64_t>()));
    const auto& c = s.at("cost");
    usd += c.at("usd_total").get<double>();
    input_usd += c.at("usd_total").get<double>() * c.at("prefill_share").get<double>();
    usd_per_hour += c.at("usd_per_hour").get<double>();
    chip_hours += c.at("chip_hours").get<double>();
    kwh += c.at("energy_kwh").get<double>();
    const auto& f = s.at("failures");
    chip_failures += f.at("chip_failures").get<int64_t>();
    instance_failures += f.at("instance_failures").get<int64_t>();
    retried += f.at("retried_requests").get<int64_t>();
    for (const char* k : {"ttft", "tpot", "e2e", "itl"}) latency[k].add_sketch(s.at("distributions").at(k));
    if (s.contains("jobs") && s["jobs"].is_object()) {
      has_jobs = true;
      jobs += s["jobs"].at("count").get<int64_t>();
      jobs_met += s["jobs"].at("met_deadline").get<int64_t>();
    }
  }
  // A cluster the router gave no load: its chips idle (and billed) for the duration.
  void add_idle(const ClusterEstimate& e, double duration) {
    idle_usd += e.idle_usd_per_hour * duration / 3600;
    usd += e.idle_usd_per_hour * duration / 3600;
    usd_per_hour += e.idle_usd_per_hour;
    chip_hours += double(e.chips) * duration / 3600;
    kwh += e.idle_watts * duration / 3.6e6;
  }
  nlohmann::json to_json() {
    nlohmann::json j;
    j["clusters"] = {{"total", clusters}, {"simulated", simulated}, {"idle", idle}};
    j["chips"] = chips;
    j["routed_rate_per_s"] = rate;
    j["requests"] = {
        {"generated", generated}, {"completed", completed}, {"rejected", rejected}, {"in_flight", in_flight}};
    j["throughput"] = {{"requests_per_s", requests_per_s},
                       {"input_tokens_per_s", input_tps},
                       {"output_tokens_per_s", output_tps},
                       {"output_tokens_per_s_per_chip", chips > 0 ? output_tps / double(chips) : 0}};
    j["goodput"] = {{"requests_per_s", goodput},
                    {"slo_attainment", completed > 0 ? double(good) / double(completed) : 0}};
    for (auto& [k, samples] : latency) {
      const Percentiles p = samples.percentiles();
      j["latency_s"][k] = {{"mean", p.mean},
                           {"stdev", p.stdev},
                           {"p50", p.p50},
                           {"p90", p.p90},
                           {"p99", p.p99},
                           {"count", p.count},
                           {"approximate_within", std::sqrt(Samples::kRatio) - 1}};
    }
    // Idle clusters' bills go to input and output as the simulated clusters' bills do.
    const double input_share = usd > idle_usd ? input_usd / (usd - idle_usd) : 0;
    j["cost"] = {{"usd_per_hour", usd_per_hour},
                 {"usd_total", usd},
                 {"chip_hours", chip_hours},
                 {"energy_kwh", kwh},
                 {"usd_per_m_input", input_tokens > 0 ? usd * input_share / input_tokens * 1e6 : 0},
                 {"usd_per_m_output", output_tokens > 0 ? usd * (1 - input_share) / output_tokens * 1e6 : 0}};
    j["failures"] = {
        {"chip_failures", chip_failures}, {"instance_failures", instance_failures}, {"retried_requests", retried}};
    return j;
  }
};

}  // namespace

nlohmann::json merge_fleet(const Fleet& fleet, const std::vector<StoredResult>& results, bool routing_only) {
  std::map<int64_t, nlohmann::json> by_index;
  for (const StoredResult& r : results) by_index[r.index] = nlohmann::json::parse(r.summary);
  const FleetSpec& f = fleet.spec;
  Totals all;
  std::vector<Totals> groups(f.groups.size());
  for (const Fleet::Cluster& c : fleet.clusters) {
    const ClusterEstimate& e = fleet.groups[c.group];
    for (Totals* t : {&all, &groups[c.group]}) {
      ++t->clusters;
      t->chips += e.chips;
      t->rate += c.rate;
      if (c.rate > 0) continue;
      ++t->idle;
      t->add_idle(e, f.duration);
    }
    if (c.rate <= 0 || routing_only) continue;
    const auto it = by_index.find(c.index);
    if (it == by_index.end())
      throw std::runtime_error("fleet: cluster " + std::to_string(c.index) + " has no result (it failed)");
    for (Totals* t : {&all, &groups[c.group]}) t->add_simulated(it->second);
  }
  nlohmann::json j = all.to_json();
  j["fleet"] = {{"name", f.name},       {"file", f.file},           {"fingerprint", fleet.fingerprint},
                {"router", f.policy},   {"fill", f.fill},           {"workload", f.workload},
                {"rate_per_s", f.rate}, {"duration_s", f.duration}, {"seed", f.seed}};
  for (size_t g = 0; g < f.groups.size(); ++g) {
    const ClusterEstimate& e = fleet.groups[g];
    nlohmann::json row = groups[g].to_json();
    row["name"] = f.groups[g].name;
    row["scenario"] = f.groups[g].scenario;
    row["platform"] = e.platform;
    row["screen"] = {{"capacity_per_s", e.capacity},
                     {"slo_met", e.slo_met},
                     {"usd_per_hour_at_capacity", e.usd_per_hour},
                     {"usd_per_request_at_capacity", e.usd_per_request()},
                     {"light_load_e2e_s", e.latency}};
    j["groups"].push_back(std::move(row));
  }
  for (const Fleet::Cluster& c : fleet.clusters) j["cluster_rates_per_s"].push_back(c.rate);
  if (routing_only) j["routing_only"] = true;
  return j;
}

std::string fleet_table(const nlohmann::json& s) {
  const bool routing_only = s.value("routing_only", false);
  Table t({"group", "platform", "clusters", "chips", "capacity/s each", "routed/s", "completed", "TTFT p90", "TPOT p90",
           "$/h", "$/M in", "$/M out"});
  auto row = [&](const std::string& name, const std::string& platform, const nlohmann::json& r,
                 const std::string& cap) {
    const nlohmann::json l = r.value("latency_s", nlohmann::json::object());
    auto ms = [&](const char* k) {
      return l.contains(k) ? strprintf("%.0f ms", l.at(k).at("p90").get<double>() * 1e3) : "-";
    };
    const auto& c = r.at("clusters");
    std::vector<std::string> cells = {
        name,
        platform,
        strprintf("%lld (%lld idle)", (long long)c.at("total").get<int64_t>(), (long long)c.at("idle").get<int64_t>()),
        strprintf("%lld", (long long)r.at("chips").get<int64_t>()),
        cap,
        strprintf("%.1f", r.at("routed_rate_per_s").get<double>())};
    if (routing_only)  // nothing simulated: no figures of the run
      cells.insert(cells.end(), 6, "-");
    else
      cells.insert(cells.end(),
                   {strprintf("%lld", (long long)r.at("requests").at("completed").get<int64_t>()), ms("ttft"),
                    ms("tpot"), strprintf("%.0f", r.at("cost").at("usd_per_hour").get<double>()),
                    strprintf("%.3f", r.at("cost").at("usd_per_m_input").get<double>()),
                    strprintf("%.3f", r.at("cost").at("usd_per_m_output").get<double>())});
    t.add(std::move(cells));
  };
  for (const auto& g : s.at("groups"))
    row(g.at("name").get<std::string>(), g.at("platform").get<std::string>(), g,
        strprintf("%.1f%s", g.at("screen").at("capacity_per_s").get<double>(),
                  g.at("screen").at("slo_met").get<bool>() ? "" : " (SLO unmet)"));
  row("fleet", "", s, "");
  const auto& f = s.at("fleet");
  return strprintf("fleet %s: %.1f arrivals/s for %.0f s, router by %s\n", f.at("name").get<std::string>().c_str(),
                   f.at("rate_per_s").get<double>(), f.at("duration_s").get<double>(),
                   f.at("router").get<std::string>().c_str()) +
         t.str() + "\n";
}

}  // namespace stacksim
