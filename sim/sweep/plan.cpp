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

// The steady-state window opens after a tenth of the arrivals' span (at `scale` x the
// plan's load; 0: the screen's).
double warmup_of(const ScreenResult::PerCandidate& pc, double scale = 0) {
  const double rate = scale > 0 ? pc.load.rate / pc.load_scale * scale : pc.load.rate;
  return rate > 0 ? 0.1 * double(pc.load.computed.size()) / rate : 0;
}

// Objective max_load: one step of the bisection on the load's scale.
void advance_load(Finalist& f, bool ok) {
  (ok ? f.scale_lo : f.scale_hi) = f.scale;
  if (f.scale_hi == 0) {
    f.scale *= 1.25;
  } else if (f.scale_lo == 0) {
    f.scale /= 1.25;
  } else if (f.scale_hi / f.scale_lo < 1.02) {
    f.done = true;
  } else {
    f.scale = std::sqrt(f.scale_lo * f.scale_hi);
  }
  if (f.scale > 4096 || f.scale < 1.0 / 4096) f.done = true;
}

// Objective max_load: finalist `d` at the screen's highest scale, its pools grown to fill
// `chips` (the disaggregated ones in the screen's proportion).
Finalist load_finalist(const Deployment& d, double scale, int64_t chips, int64_t max_instances) {
  Finalist f;
  f.deployment = d;
  f.by_load = true;
  f.scale = scale;
  const double k = double(chips) / double(std::max<int64_t>(1, d.chips()));
  f.fixed_first = std::min(max_instances, std::max<int64_t>(1, int64_t(double(d.first.estimate.instances) * k)));
  if (d.disaggregated)
    f.fixed_decode = std::min(max_instances, std::max<int64_t>(1, int64_t(double(d.decode.estimate.instances) * k)));
  return f;
}

// The instance counts of finalist `f`'s next probe (phase 0 of a disaggregated one: the
// screen's counts times `next`, each pool at most `max`).
std::pair<int64_t, int64_t> next_counts(const Finalist& f, int64_t max) {
  const Deployment& d = f.deployment;
  if (f.by_load) return {f.fixed_first, f.fixed_decode};
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
  std::vector<double> scales;  // max_load: each probe's load scale
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
          deployment_overrides(plan, f.deployment, first, decode, warmup_of(r.screen.candidates[c], f.scale));
      std::string name = probe_name(plan, f, first, decode);
      if (f.by_load) {
        o.push_back({"workload.load_scale", strprintf("%.17g", f.scale)});
        name += strprintf(" at %.4g x load", f.scale);
      }
      o.push_back({"name", name});
      try {
        round.scenarios.push_back(load_fitting_scenarios(plan.base, o).at(0));
      } catch (const ConfigError& e) {
        f.done = true;
        f.error = e.what();
        continue;
      }
      round.who.push_back(&f);
      round.scales.push_back(f.by_load ? f.scale : 0);
      round.counts.push_back({first, decode});
    }
  return round;
}

// The probes' summaries by fingerprint: read once from the store (a row an older version
// wrote, missing a key, is left out, to be simulated again and replaced), then added to
// as probes are simulated.
using Summaries = std::map<std::string, RunSummary>;

Summaries readable(const ResultStore& store) {
  Summaries out;
  for (const auto& row : store.all()) {
    try {
      out[row.fingerprint] = nlohmann::json::parse(row.summary).get<RunSummary>();
    } catch (const nlohmann::json::exception&) {
    }
  }
  return out;
}

// Simulates the round's scenarios missing from `known`, stores them and adds them to it.
void simulate_missing(const Round& round, ResultStore& store, Summaries& known, int jobs, int64_t* simulated) {
  std::vector<std::function<std::string()>> tasks;
  std::vector<size_t> task_of;
  std::set<std::string> queued;
  for (size_t j = 0; j < round.scenarios.size(); ++j) {
    const Scenario* s = &round.scenarios[j];
    if (known.count(s->fingerprint) || !queued.insert(s->fingerprint).second) continue;
    tasks.push_back([s] { return nlohmann::json(simulate(*s, make_generator(s->workload, s->seed))).dump(); });
    task_of.push_back(j);
  }
  run_isolated(tasks, jobs, [&](size_t t, const ChildResult& res) {
    const Scenario& s = round.scenarios[task_of[t]];
    if (!res.ok) throw std::runtime_error("probe " + s.name + " failed: " + res.error);
    const nlohmann::json inputs = {{"first", round.counts[task_of[t]].first},
                                   {"decode", round.counts[task_of[t]].second}};
    store.insert({s.fingerprint, 0, s.name, inputs.dump(), res.output}, true);
    known[s.fingerprint] = nlohmann::json::parse(res.output).get<RunSummary>();
  });
  *simulated += int64_t(tasks.size());
}

// A probe meets the SLO when every request of its window was served, the window's
// percentiles are within the targets, and the deployment kept up: the window's output
// tokens/s at least 95% of what its requests asked for (a deployment that falls behind
// can still serve a short window's requests within a TTFT target).
bool probe_ok(const Plan& plan, const RunSummary& s) {
  const RunSummary::SteadyState& w = s.steady_state;
  if (w.requests == 0 || w.completed != w.requests || w.length_s <= 0) return false;
  const double mean_output = s.requests.completed > 0
                                 ? s.throughput.output_tokens_per_s * s.simulated_seconds / double(s.requests.completed)
                                 : 0;
  const double asked = double(w.requests) * mean_output / w.length_s;
  if (w.output_tokens_per_s < 0.95 * asked) return false;
  for (const SloTarget& t : plan.slo)
    if (window_latency(s, t.metric).at(t.percentile) > t.value) return false;
  return true;
}

// The plan's references at its load, with the first candidate's steady-state window:
// loaded (and so checked) before anything is simulated or stored.
Round reference_round(const Plan& plan, const PlanResult& r) {
  Round round;
  if (plan.references.empty()) return round;
  const double warmup = warmup_of(r.screen.candidates.at(0));
  for (const PlanReference& ref : plan.references) {
    std::vector<Override> o = ref.set;
    o.insert(o.end(), plan.load.begin(), plan.load.end());
    o.push_back({"simulation.warmup", strprintf("%.17g s", warmup)});
    o.push_back({"name", ref.name});
    round.scenarios.push_back(load_fitting_scenarios(plan.base, o).at(0));
    round.counts.push_back({0, 0});
  }
  return round;
}

void simulate_references(const Plan& plan, const Round& round, ResultStore& store, Summaries& known, int jobs,
                         PlanResult* r) {
  simulate_missing(round, store, known, jobs, &r->simulations);
  for (const Scenario& sc : round.scenarios) {
    PlanProbe p;
    p.summary = known.at(sc.fingerprint);
    p.ok = probe_ok(plan, p.summary);
    r->references.push_back(p);
  }
}

}  // namespace

Quantiles window_latency(const RunSummary& s, const std::string& metric) {
  const RunSummary::SteadyState& w = s.steady_state;
  const LatencyStats& l = metric == "ttft" ? w.ttft : metric == "tpot" ? w.tpot : w.itl;
  return {l.p50, l.p90, l.p99};
}

PlanResult run_plan(const Plan& plan, const std::string& db, int jobs) {
  PlanResult r;
  const auto t0 = std::chrono::steady_clock::now();
  r.screen = plan.max_load ? screen_max_load(plan, size_t(plan.confirm)) : screen(plan, size_t(plan.confirm));
  const auto t1 = std::chrono::steady_clock::now();
  r.screen_seconds = std::chrono::duration<double>(t1 - t0).count();
  for (const auto& pc : r.screen.candidates) {
    std::vector<Finalist> fs;
    for (const Deployment& d : pc.best) {
      if (plan.max_load) {
        if (pc.load_scale > 0) {
          const PlanCandidate& c = plan.candidates[d.candidate];
          fs.push_back(load_finalist(d, pc.load_scale, c.chips, c.max_instances));
        }
        continue;
      }
      Finalist f;
      f.deployment = d;
      f.next = d.disaggregated ? 1 : d.first.estimate.instances;
      fs.push_back(f);
    }
    r.finalists.push_back(std::move(fs));
  }
  const Round references = reference_round(plan, r);
  ResultStore store(db);
  Summaries known = readable(store);
  while (true) {
    Round round = next_round(plan, r);
    if (round.scenarios.empty()) break;
    simulate_missing(round, store, known, jobs, &r.simulations);
    for (size_t j = 0; j < round.scenarios.size(); ++j) {
      Finalist& f = *round.who[j];
      PlanProbe p;
      std::tie(p.first, p.decode) = round.counts[j];
      p.summary = known.at(round.scenarios[j].fingerprint);
      p.ok = probe_ok(plan, p.summary);
      p.load_scale = round.scales[j];
      const PlanProbe* b = f.best < 0 ? nullptr : &f.probes[size_t(f.best)];
      if (p.ok && (!b || (f.by_load ? p.load_scale > b->load_scale : p.usd_per_hour() < b->usd_per_hour())))
        f.best = int(f.probes.size());
      f.probes.push_back(p);
      if (f.by_load)
        advance_load(f, p.ok);
      else
        advance(f, p.first, p.decode, p.ok, plan.candidates[f.deployment.candidate].max_instances);
    }
  }
  simulate_references(plan, references, store, known, jobs, &r);
  r.confirm_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  return r;
}

int best_finalist(const PlanResult& r, size_t c) {
  int best = -1;
  const auto& fs = r.finalists[c];
  auto better = [&](const PlanProbe& a, const PlanProbe& b) {
    if (a.load_scale != b.load_scale) return a.load_scale > b.load_scale;  // max_load: the higher load
    return a.usd_per_hour() < b.usd_per_hour();
  };
  for (size_t i = 0; i < fs.size(); ++i) {
    if (fs[i].best < 0) continue;
    if (best < 0 || better(fs[i].probes[size_t(fs[i].best)], fs[size_t(best)].probes[size_t(fs[size_t(best)].best)]))
      best = int(i);
  }
  return best;
}

}  // namespace stacksim
