#include "sweep/plan.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "metrics/summary.h"
#include "perf/fit.h"
#include "serving/simulation.h"
#include "sweep/isolate.h"
#include "sweep/store.h"
#include "workload/generator.h"

namespace stacksim {

namespace {

PlanCandidate read_candidate(const YAML::Node& node, const std::string& file, size_t i) {
  MapReader c(node, file, "candidates[" + std::to_string(i) + "]");
  PlanCandidate k;
  k.name = c.str("name");
  if (c.has("set")) {
    const YAML::Node s = c.node("set");
    if (!s.IsMap()) fail_at(s, c.origin(), c.path_of("set"), "expected a mapping of key: value");
    for (const auto& kv : s) {
      std::string v = kv.second.Scalar();
      const std::string key = kv.first.Scalar();
      if (key == "platform" || key == "model" || key == "workload") v = resolve_path(v, file);
      k.set.push_back({key, v});
    }
  }
  k.chips_per_instance = c.integer_list("chips_per_instance", 1);
  if (c.has("max_seqs_per_chip")) k.max_seqs = c.integer_list("max_seqs_per_chip", 1);
  if (c.has("prefill_fraction")) {
    k.prefill_fraction = c.quantity_list("prefill_fraction", Dimension::Number, 0);
    const YAML::Node n = c.node("prefill_fraction");
    for (size_t j = 0; j < n.size(); ++j)
      if (k.prefill_fraction[j] >= 1)
        fail_at(n[j], c.origin(), c.path_of("prefill_fraction") + "[" + std::to_string(j) + "]",
                "expected a fraction in [0, 1) (the decode pool needs instances too)");
  }
  k.max_instances = c.integer("max_instances", 1, 1 << 20);
  c.finish();
  return k;
}

// Every configuration of every candidate, in the order of the plan file.
std::vector<PlanConfig> configurations(const Plan& plan) {
  std::vector<PlanConfig> configs;
  for (size_t i = 0; i < plan.candidates.size(); ++i) {
    const PlanCandidate& c = plan.candidates[i];
    for (int64_t cpi : c.chips_per_instance)
      for (int64_t ms : c.max_seqs.empty() ? std::vector<int64_t>{0} : c.max_seqs)
        for (double f : c.prefill_fraction) {
          PlanConfig cfg{i, cpi, ms, f};
          if (f > 0) cfg.lo = 1;  // a prefill and a decode instance at least
          configs.push_back(cfg);
        }
  }
  return configs;
}

// The base scenario with configuration `c` at `n` instances.
Scenario scenario_for(const Plan& plan, const PlanConfig& c, int64_t n) {
  std::vector<Override> o = plan.candidates[c.candidate].set;
  const int64_t cpi = c.chips_per_instance;
  o.push_back({"serving.chips_per_instance", std::to_string(cpi)});
  if (c.prefill_fraction > 0) {
    const int64_t p = std::min(n - 1, std::max<int64_t>(1, std::llround(double(n) * c.prefill_fraction)));
    o.push_back({"serving.prefill", "{chips: " + std::to_string(cpi * p) + "}"});
    o.push_back({"serving.decode", "{chips: " + std::to_string(cpi * (n - p)) + "}"});
  } else {
    o.push_back({"serving.chips", std::to_string(cpi * n)});
  }
  if (c.max_seqs > 0) o.push_back({"serving.max_seqs_per_chip", std::to_string(c.max_seqs)});
  return load_fitting_scenarios(plan.base, o).at(0);
}

PlanProbe probe_of(const RunSummary& s, const Plan& plan) {
  PlanProbe p;
  p.chips = s.layout.chips;
  p.usd_per_hour = s.cost.usd_per_chip_hour * double(p.chips);
  p.ttft_p99 = s.latency_s.ttft.p99;
  p.tpot_p99 = s.latency_s.tpot.p99;
  p.usd_per_m_output = s.cost.usd_per_m_output;
  p.ok = s.requests.completed == s.requests.generated && p.ttft_p99 <= plan.ttft_p99 && p.tpot_p99 <= plan.tpot_p99;
  return p;
}

// One bisection step of configuration `c` from its probe at `n` instances.
void narrow(PlanConfig& c, int64_t n, bool ok) {
  if (c.hi == 0) {  // the first probe: the largest allowed
    if (!ok)
      c.done = true;
    else
      c.hi = n, c.feasible = true;
  } else if (ok) {
    c.hi = n;
  } else {
    c.lo = n;
  }
  if (c.hi > 0 && c.hi - c.lo <= 1) c.done = true;
}

// Simulates the scenarios of `round` missing from the store and stores them.
void simulate_missing(const std::vector<Scenario>& scs, const std::vector<std::pair<size_t, int64_t>>& round,
                      const PlanResult& r, const Plan& plan, ResultStore& store, int jobs) {
  const auto cached = store.fingerprints();
  std::vector<std::function<std::string()>> tasks;
  std::vector<size_t> task_of;
  for (size_t j = 0; j < scs.size(); ++j) {
    if (cached.count(scs[j].fingerprint)) continue;
    const Scenario* s = &scs[j];
    tasks.push_back([s] { return nlohmann::json(simulate(*s, make_generator(s->workload, s->seed))).dump(); });
    task_of.push_back(j);
  }
  run_isolated(tasks, jobs, [&](size_t t, const ChildResult& res) {
    const Scenario& s = scs[task_of[t]];
    if (!res.ok) throw std::runtime_error("probe " + s.name + " failed: " + res.error);
    const PlanConfig& c = r.configs[round[task_of[t]].first];
    const nlohmann::json inputs = {{"candidate", plan.candidates[c.candidate].name},
                                   {"chips_per_instance", c.chips_per_instance},
                                   {"instances", round[task_of[t]].second}};
    store.insert({s.fingerprint, 0, s.name, inputs.dump(), res.output});
  });
}

}  // namespace

Plan load_plan(const std::string& file) {
  const YAML::Node root = load_yaml_file(file);
  MapReader r(root, file, "");
  Plan plan;
  plan.base = r.file_at("base");
  MapReader slo = r.child("slo");
  plan.ttft_p99 = slo.quantity("ttft_p99", Dimension::Time, 1e-6);
  plan.tpot_p99 = slo.quantity("tpot_p99", Dimension::Time, 1e-6);
  slo.finish();
  const YAML::Node list = r.list("candidates");
  for (size_t i = 0; i < list.size(); ++i) plan.candidates.push_back(read_candidate(list[i], file, i));
  r.finish();
  return plan;
}

PlanResult run_plan(const Plan& plan, const std::string& db, int jobs) {
  PlanResult r;
  r.configs = configurations(plan);
  ResultStore store(db);
  // Rounds: every unfinished configuration probes one instance count; the first probe is
  // max_instances (is it feasible at all?), then bisection between lo and hi.
  while (true) {
    std::vector<std::pair<size_t, int64_t>> round;
    for (size_t i = 0; i < r.configs.size(); ++i) {
      const PlanConfig& c = r.configs[i];
      if (!c.done) round.push_back({i, c.hi == 0 ? plan.candidates[c.candidate].max_instances : (c.lo + c.hi) / 2});
    }
    if (round.empty()) break;
    std::vector<Scenario> scs;
    for (const auto& [i, n] : round) scs.push_back(scenario_for(plan, r.configs[i], n));
    simulate_missing(scs, round, r, plan, store, jobs);
    std::map<std::string, std::string> by_fp;
    for (const auto& row : store.all()) by_fp[row.fingerprint] = row.summary;
    for (size_t j = 0; j < round.size(); ++j) {
      const auto [i, n] = round[j];
      const PlanProbe p = probe_of(nlohmann::json::parse(by_fp.at(scs[j].fingerprint)).get<RunSummary>(), plan);
      r.probes[{i, n}] = p;
      narrow(r.configs[i], n, p.ok);
    }
  }
  return r;
}

int cheapest(const PlanResult& r, size_t candidate) {
  int best = -1;
  for (size_t i = 0; i < r.configs.size(); ++i) {
    const PlanConfig& c = r.configs[i];
    if (c.candidate != candidate || !c.feasible) continue;
    const double usd = r.probes.at({i, c.hi}).usd_per_hour;
    if (best < 0 || usd < r.probes.at({size_t(best), r.configs[size_t(best)].hi}).usd_per_hour) best = int(i);
  }
  return best;
}

std::vector<std::pair<size_t, int64_t>> frontier(const PlanResult& r) {
  std::vector<std::pair<size_t, int64_t>> feasible;
  for (const auto& [key, p] : r.probes)
    if (p.ok) feasible.push_back(key);
  std::stable_sort(feasible.begin(), feasible.end(), [&](const auto& a, const auto& b) {
    const PlanProbe &pa = r.probes.at(a), &pb = r.probes.at(b);
    return pa.usd_per_hour != pb.usd_per_hour ? pa.usd_per_hour < pb.usd_per_hour : pa.ttft_p99 < pb.ttft_p99;
  });
  std::vector<std::pair<size_t, int64_t>> out;
  double best_ttft = 1e300;
  for (const auto& key : feasible) {
    const double ttft = r.probes.at(key).ttft_p99;
    if (ttft >= best_ttft) continue;
    best_ttft = ttft;
    out.push_back(key);
  }
  return out;
}

}  // namespace stacksim
