// Routing: how a scenario describes expert popularity and placement (serving.routing).
// What it implies for the load of the busiest chip is perf/routing.h's.
#pragma once

#include <string>

namespace stacksim {

struct Routing {
  std::string type = "balanced";  // balanced | zipf | fixed
  double skew = 0;                // zipf exponent
  double imbalance = 1;           // fixed: busiest chip's load / mean
  bool eplb = false;              // place experts by load (with the redundant replicas)
};

}  // namespace stacksim
