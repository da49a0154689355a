// Routing: how a scenario describes expert popularity and placement (serving.routing).
// What it implies for the load of the busiest chip is perf/routing.h's.
#pragma once

#include <string>

namespace stacksim {

// The default of every scenario that gives no `routing:`: the validation cases' shared
// assumption for real traffic after EPLB, the busiest chip receiving 1.3x the mean routed
// load (plus the statistical excess of small batches, perf/routing.h). With it the
// measured prefills that lose 15-18% to real routing against perfect balance (SGLang EP32:
// 50,302 vs 59,337 tokens/s per node; CloudMatrix384: 5,655 vs 6,688 per NPU) come out
// right, and calibration and deployments price routing alike.
constexpr double kMeasuredImbalance = 1.3;

struct Routing {
  std::string type = "balanced";  // balanced | zipf | fixed
  double skew = 0;                // zipf exponent
  double imbalance = 1;           // fixed: busiest chip's load / mean
  bool eplb = false;              // place experts by load (with the redundant replicas)
};

}  // namespace stacksim
