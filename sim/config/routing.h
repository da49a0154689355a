// Routing: how a scenario describes expert popularity and placement (serving.routing).
// What it implies for the load of the busiest chip is perf/routing.h's.
#pragma once

#include <string>

namespace stacksim {

// The busiest chip's routed load over the mean after EPLB, as measured (config/scenario.cpp
// cites the sources): the default of every scenario that gives no `routing:`.
constexpr double kMeasuredImbalance = 1.3;

struct Routing {
  std::string type = "balanced";  // balanced | zipf | fixed
  double skew = 0;                // zipf exponent
  double imbalance = 1;           // fixed: busiest chip's load / mean
  bool eplb = false;              // place experts by load (with the redundant replicas)
};

}  // namespace stacksim
