// The deployment search's second stage: the DES confirms the screen's finalists
// (sweep/search.h), each by bisection on its instance counts (a colocated pool's; a
// disaggregated deployment's prefill pool, then its decode pool), every probe a
// simulation in its own process, cached in a results database by the scenario's
// fingerprint. A probe meets the SLO when every request that arrived in its steady-state
// window was served and the window's latency percentiles are within the targets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metrics/summary.h"
#include "sweep/search.h"

namespace stacksim {

// What the DES made of one deployment at given instance counts.
struct PlanProbe {
  int64_t first = 0, decode = 0;  // instances: colocated or prefill pool, decode pool
  double load_scale = 0;          // objective max_load: the scale probed (0: the plan's load)
  bool ok = false;
  RunSummary summary;
  double usd_per_hour() const { return summary.cost.usd_per_hour; }
};

// A finalist and its bisection.
struct Finalist {
  Deployment deployment;  // as the screen sized it
  std::vector<PlanProbe> probes;
  int best = -1;  // index into probes of the cheapest that met the SLO (-1: none)
  int phase = 0;  // colocated: 0; disaggregated: 0 both pools grow, 1 prefill, 2 decode
  int64_t lo = 0, hi = -1, next = 0;
  int64_t fixed_first = 0, fixed_decode = 0;  // disaggregated: the counts phases 1 and 2 hold
  // Objective max_load: the instance counts fill the candidate's chips and stay; the
  // bisection is on the load's scale (lo met the SLO, hi did not; 0: not yet known).
  bool by_load = false;
  double scale = 0, scale_lo = 0, scale_hi = 0;
  bool done = false;
  std::string error;  // the loader's refusal of the deployment, if it refused
};

struct PlanResult {
  ScreenResult screen;
  std::vector<std::vector<Finalist>> finalists;  // per candidate
  std::vector<PlanProbe> references;             // the plan's references, at its load
  int64_t simulations = 0;                       // probes simulated (not found in the database)
  double screen_seconds = 0, confirm_seconds = 0;
};

// Screens, then confirms plan.confirm finalists per candidate; `jobs` simulations at once.
// Throws std::runtime_error when a probe fails.
PlanResult run_plan(const Plan& plan, const std::string& db, int jobs);

// The best confirmed finalist of candidate `c`: the cheapest, or (max_load) the one that
// met the SLO at the highest load (-1: none met the SLO).
int best_finalist(const PlanResult& r, size_t c);

// The scenario that runs finalist `f`'s best probe: the base scenario's tree with one
// variant setting the deployment, paths relative to `out_file`.
std::string winner_scenario(const Plan& plan, const PlanResult& r, size_t c, size_t f, const std::string& out_file);

// The quantiles of an SLO metric ("ttft", "tpot", "itl") a probe's steady-state window shows.
Quantiles window_latency(const RunSummary& s, const std::string& metric);

}  // namespace stacksim
