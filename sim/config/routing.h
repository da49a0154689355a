// Routing: how a scenario describes expert popularity and placement (serving.routing).
// What it implies for the load of the busiest chip is perf/routing.h's.
#pragma once

#include <string>

namespace stacksim {

// The measured routing law, the default of every scenario and validation case that gives
// no `routing:` (type `measured`). The busiest expert-parallel rank's routed load over the
// mean, before the statistical excess of a finite batch (perf/routing.h), grows with the
// number of expert-parallel ranks EP as
//     1 + slope * max(0, ln EP - knee),
// least-squares fitted (docs/research/eplb-imbalance.md, "The law") to every published
// DeepSeek-V3/R1 (256 experts, top-8) figure found:
//   - LMSYS 2025-05-05, balancedness against EP, simulated from recorded routing (EP8-72);
//   - TensorRT-LLM's expert-parallel blog part 1, Table 1: GB200 EP32/EP36 at 128 tokens
//     per rank, measured per iteration (the finite-batch excess is added before comparing);
//   - two prefills measured with EPLB and against simulated perfect balance at EP32
//     (SGLang: 50,302 vs 59,337 tokens/s per node; CloudMatrix384: 5,655 vs 6,688 per
//     NPU), as the imbalance that reproduces each loss in stacksim (1.29 and 1.33).
// With EPLB (its redundant experts placed by load): EP8 1.06, EP32 1.16, EP72 1.22,
// EP144 1.27, EP320 1.33; residuals -13%..+13% (the sources disagree by that much at
// EP32). Without EPLB (LMSYS and TensorRT-LLM only): EP8 1.48, EP32 1.94, EP64 2.22;
// residuals -20%..+7%.
struct RoutingLaw {
  double slope;
  double knee;
};
constexpr RoutingLaw kEplbLaw{0.0716, 1.214};
constexpr RoutingLaw kStaticPlacementLaw{0.3375, 0.669};

struct Routing {
  std::string type = "measured";  // measured | balanced | zipf | fixed
  double skew = 0;                // zipf exponent
  double imbalance = 1;           // fixed: busiest chip's load / mean
  bool eplb = true;               // place experts by load (with the redundant replicas)
};

}  // namespace stacksim
