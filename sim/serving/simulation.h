// simulate(): runs one scenario on the SimGrid engine and returns its JSON summary.
//
// The actors: one source (pulls requests from the generator at their arrival times,
// rejects those that can never fit, routes the rest) and one actor per instance.
// The run ends when every request has completed or been rejected, or at the horizon.
//
// SimGrid keeps global state: call simulate() at most once per process (the CLI and
// the tests run each scenario in a child process, see cli/isolate.h).
#pragma once

#include <nlohmann/json.hpp>

#include <memory>

#include "config/scenario.h"
#include "workload/generator.h"

namespace stacksim {

nlohmann::json simulate(const Scenario& sc, std::unique_ptr<Generator> generator);

}  // namespace stacksim
