// The deployment search's second objective (sweep/search.h): the highest load a fixed
// cluster serves within the SLO, by bisection on the load's scale over the screen.
#include <cmath>
#include <map>
#include <string>

#include "sweep/search.h"

namespace stacksim {

namespace {

constexpr double kMaxScale = 4096, kMinScale = 1.0 / 4096, kPrecision = 1.02;

// The highest scale at which candidate `i` has a deployment within its chips, by the
// screen: doubling (or halving) from the plan's load, then bisection to 2%.
ScreenResult::PerCandidate highest(const Plan& plan, size_t i, size_t keep) {
  const int64_t chips = plan.candidates[i].chips;
  ScreenResult::PerCandidate best;
  double lo = 0, hi = 0;
  // Layouts infeasible at some scale, skipped at every higher one.
  std::map<std::string, double> dead;
  // Screens at scale m: a deployment fits (lo = m, best = it) or none does (hi = m).
  ScreenResult::PerCandidate first;
  bool screened = false;
  auto fits = [&](double m) {
    ScreenResult::PerCandidate r = screen_candidate(plan, i, keep, m, chips, false, &dead);
    if (!screened) first = r, screened = true;
    if (r.best.empty()) {
      hi = m;
      if (lo == 0) best = std::move(r);  // the counts of layouts, for the report
      return false;
    }
    lo = m;
    best = std::move(r);
    return true;
  };
  if (fits(1)) {
    for (double m = 2; m <= kMaxScale && fits(m); m *= 2) {
    }
  } else {
    for (double m = 0.5; m >= kMinScale && !fits(m); m /= 2) {
    }
  }
  while (lo > 0 && hi > 0 && hi / lo > kPrecision) fits(std::sqrt(lo * hi));
  best.load_scale = lo;  // 0: no deployment within its chips, at any scale tried
  // What the search covered: every layout, as the first screen (none yet pruned) counted them.
  best.layouts = first.layouts;
  best.deployments = first.deployments;
  best.excluded = first.excluded;
  return best;
}

}  // namespace

ScreenResult screen_max_load(const Plan& plan, size_t keep) {
  ScreenResult result;
  for (size_t i = 0; i < plan.candidates.size(); ++i) result.candidates.push_back(highest(plan, i, keep));
  return result;
}

}  // namespace stacksim
