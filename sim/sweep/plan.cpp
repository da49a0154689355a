#include "sweep/plan.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "config/error.h"
#include "perf/fit.h"
#include "serving/simulation.h"
#include "sweep/isolate.h"
#include "sweep/store.h"
#include "util/table.h"
#include "workload/generator.h"

namespace stacksim {

namespace {

// The steady-state window opens after a tenth of the arrivals' span.
double warmup_of(const ScreenResult::PerCandidate& pc) {
  return pc.load.rate > 0 ? 0.1 * double(pc.load.computed.size()) / pc.load.rate : 0;
}

// The instance counts of finalist `f`'s next probe (phase 0 of a disaggregated one: the
// screen's counts times `next`, each pool at most `max`).
std::pair<int64_t, int64_t> next_counts(const Finalist& f, int64_t max) {
  const Deployment& d = f.deployment;
  if (!d.disaggregated) return {f.next, 0};
  if (f.phase == 0)
    return {std::min(max, d.first.estimate.instances * f.next), std::min(max, d.decode.estimate.instances * f.next)};
  if (f.phase == 1) return {f.next, f.fixed_decode};
  return {f.fixed_first, f.next};
}

// Starts a bisection over (0, hi] (hi known to meet the SLO).
void start_bisection(Finalist& f, int64_t hi) {
  f.lo = 0;
  f.hi = hi;
  f.next = hi / 2;
}

// One step of finalist `f`'s search from its probe at counts (first, decode).
void advance(Finalist& f, int64_t first, int64_t decode, bool ok, int64_t max_instances) {
  const Deployment& d = f.deployment;
  if (f.phase == 0 && d.disaggregated) {  // grow both pools until the SLO is met
    if (ok) {
      f.fixed_first = first, f.fixed_decode = decode, f.phase = 1;
      start_bisection(f, first);
    } else if (std::min(first, decode) >= max_instances) {  // both pools at the cap
      f.done = true;
      return;
    } else {
      f.next *= 2;
      return;
    }
  } else {
    const int64_t n = f.phase == 2 ? decode : first;
    (ok ? f.hi : f.lo) = n;
    if (f.hi < 0) {  // not met yet: grow
      if (f.lo >= max_instances) f.done = true;
      f.next = std::min(max_instances, 2 * f.lo);
      return;
    }
    f.next = (f.lo + f.hi) / 2;
  }
  if (f.hi - f.lo > 1) return;
  if (!d.disaggregated || f.phase == 2) {
    f.done = true;
  } else {  // phase 1 found the prefill pool: now the decode pool
    f.fixed_first = f.hi;
    f.phase = 2;
    start_bisection(f, f.fixed_decode);
    if (f.hi - f.lo <= 1) f.done = true;
  }
}

std::string probe_name(const Plan& plan, const Finalist& f, int64_t first, int64_t decode) {
  const std::string& c = plan.candidates[f.deployment.candidate].name;
  if (!f.deployment.disaggregated) return c + " colocated x" + std::to_string(first);
  return c + " prefill x" + std::to_string(first) + " decode x" + std::to_string(decode);
}

struct Round {
  std::vector<Finalist*> who;
  std::vector<std::pair<int64_t, int64_t>> counts;
  std::vector<Scenario> scenarios;
};

// The scenarios of this round's probes; finalists the loader refuses are done, with why.
Round next_round(const Plan& plan, PlanResult& r) {
  Round round;
  for (size_t c = 0; c < r.finalists.size(); ++c)
    for (Finalist& f : r.finalists[c]) {
      if (f.done) continue;
      const auto [first, decode] = next_counts(f, plan.candidates[c].max_instances);
      std::vector<Override> o =
          deployment_overrides(plan, f.deployment, first, decode, warmup_of(r.screen.candidates[c]));
      o.push_back({"name", probe_name(plan, f, first, decode)});
      try {
        round.scenarios.push_back(load_fitting_scenarios(plan.base, o).at(0));
      } catch (const ConfigError& e) {
        f.done = true;
        f.error = e.what();
        continue;
      }
      round.who.push_back(&f);
      round.counts.push_back({first, decode});
    }
  return round;
}

// The fingerprints of the store whose summaries this stacksim reads (a row an older
// version wrote, missing a key, is simulated again and replaced).
std::set<std::string> readable(const ResultStore& store) {
  std::set<std::string> out;
  for (const auto& row : store.all()) {
    try {
      (void)nlohmann::json::parse(row.summary).get<RunSummary>();
      out.insert(row.fingerprint);
    } catch (const nlohmann::json::exception&) {
    }
  }
  return out;
}

// Simulates the round's scenarios missing from the store and stores them.
void simulate_missing(const Round& round, ResultStore& store, int jobs, int64_t* simulated) {
  const auto cached = readable(store);
  std::vector<std::function<std::string()>> tasks;
  std::vector<size_t> task_of;
  std::set<std::string> queued;
  for (size_t j = 0; j < round.scenarios.size(); ++j) {
    const Scenario* s = &round.scenarios[j];
    if (cached.count(s->fingerprint) || !queued.insert(s->fingerprint).second) continue;
    tasks.push_back([s] { return nlohmann::json(simulate(*s, make_generator(s->workload, s->seed))).dump(); });
    task_of.push_back(j);
  }
  run_isolated(tasks, jobs, [&](size_t t, const ChildResult& res) {
    const Scenario& s = round.scenarios[task_of[t]];
    if (!res.ok) throw std::runtime_error("probe " + s.name + " failed: " + res.error);
    const nlohmann::json inputs = {{"first", round.counts[task_of[t]].first},
                                   {"decode", round.counts[task_of[t]].second}};
    store.insert({s.fingerprint, 0, s.name, inputs.dump(), res.output}, true);
  });
  *simulated += int64_t(tasks.size());
}

// A probe meets the SLO when every request of its window was served, the window's
// percentiles are within the targets, and the deployment kept up: the window's output
// tokens/s at least 90% of what its requests asked for (a deployment that falls behind
// can still serve a short window's requests within a TTFT target).
bool probe_ok(const Plan& plan, const RunSummary& s) {
  const RunSummary::SteadyState& w = s.steady_state;
  if (w.requests == 0 || w.completed != w.requests || w.length_s <= 0) return false;
  const double mean_output = s.requests.completed > 0
                                 ? s.throughput.output_tokens_per_s * s.simulated_seconds / double(s.requests.completed)
                                 : 0;
  const double asked = double(w.requests) * mean_output / w.length_s;
  return w.output_tokens_per_s >= 0.9 * asked && meets_slo(plan, window_ttft(s), window_tpot(s));
}

// The plan's references at its load, with the first candidate's steady-state window.
void simulate_references(const Plan& plan, ResultStore& store, int jobs, PlanResult* r) {
  if (plan.references.empty()) return;
  Round round;
  const double warmup = warmup_of(r->screen.candidates.at(0));
  for (const PlanReference& ref : plan.references) {
    std::vector<Override> o = ref.set;
    o.insert(o.end(), plan.load.begin(), plan.load.end());
    o.push_back({"simulation.warmup", strprintf("%.17g s", warmup)});
    o.push_back({"name", ref.name});
    round.scenarios.push_back(load_fitting_scenarios(plan.base, o).at(0));
    round.counts.push_back({0, 0});
  }
  simulate_missing(round, store, jobs, &r->simulations);
  std::map<std::string, std::string> by_fp;
  for (const auto& row : store.all()) by_fp[row.fingerprint] = row.summary;
  for (const Scenario& sc : round.scenarios) {
    PlanProbe p;
    p.summary = nlohmann::json::parse(by_fp.at(sc.fingerprint)).get<RunSummary>();
    p.ok = probe_ok(plan, p.summary);
    r->references.push_back(p);
  }
}

}  // namespace

Quantiles window_ttft(const RunSummary& s) {
  return {s.steady_state.ttft.p50, s.steady_state.ttft.p90, s.steady_state.ttft.p99};
}
Quantiles window_tpot(const RunSummary& s) {
  return {s.steady_state.tpot.p50, s.steady_state.tpot.p90, s.steady_state.tpot.p99};
}

PlanResult run_plan(const Plan& plan, const std::string& db, int jobs) {
  PlanResult r;
  const auto t0 = std::chrono::steady_clock::now();
  r.screen = screen(plan, size_t(plan.confirm));
  const auto t1 = std::chrono::steady_clock::now();
  r.screen_seconds = std::chrono::duration<double>(t1 - t0).count();
  for (const auto& pc : r.screen.candidates) {
    std::vector<Finalist> fs;
    for (const Deployment& d : pc.best) {
      Finalist f;
      f.deployment = d;
      f.next = d.disaggregated ? 1 : d.first.estimate.instances;
      fs.push_back(f);
    }
    r.finalists.push_back(std::move(fs));
  }
  ResultStore store(db);
  while (true) {
    Round round = next_round(plan, r);
    if (round.scenarios.empty()) break;
    simulate_missing(round, store, jobs, &r.simulations);
    std::map<std::string, std::string> by_fp;
    for (const auto& row : store.all()) by_fp[row.fingerprint] = row.summary;
    for (size_t j = 0; j < round.scenarios.size(); ++j) {
      Finalist& f = *round.who[j];
      PlanProbe p;
      std::tie(p.first, p.decode) = round.counts[j];
      p.summary = nlohmann::json::parse(by_fp.at(round.scenarios[j].fingerprint)).get<RunSummary>();
      p.ok = probe_ok(plan, p.summary);
      f.probes.push_back(p);
      if (p.ok && (f.best < 0 || p.usd_per_hour() < f.probes[size_t(f.best)].usd_per_hour()))
        f.best = int(f.probes.size() - 1);
      advance(f, p.first, p.decode, p.ok, plan.candidates[f.deployment.candidate].max_instances);
    }
  }
  simulate_references(plan, store, jobs, &r);
  r.confirm_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  return r;
}

int best_finalist(const PlanResult& r, size_t c) {
  int best = -1;
  const auto& fs = r.finalists[c];
  for (size_t i = 0; i < fs.size(); ++i) {
    if (fs[i].best < 0) continue;
    const double usd = fs[i].probes[size_t(fs[i].best)].usd_per_hour();
    if (best < 0 || usd < fs[size_t(best)].probes[size_t(fs[size_t(best)].best)].usd_per_hour()) best = int(i);
  }
  return best;
}

}  // namespace stacksim
