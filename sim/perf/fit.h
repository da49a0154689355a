// Does a deployment fit? The check every command makes of the scenarios it loads: each
// pool's weights must leave room in HBM for a KV cache.
#pragma once

#include <string>
#include <vector>

#include "config/scenario.h"

namespace stacksim {

// Throws ConfigError at the pool's serving section when its weights, with the stack's
// reservation, leave no HBM for the KV cache, or its offloaded weights overflow the host memory.
void check_fit(const PoolSpec& pool);

// load_scenarios with check_fit on every pool (as each variant is read, so that errors
// come in the order of the file): the scenarios a command can run.
std::vector<Scenario> load_fitting_scenarios(const std::string& path, const std::vector<Override>& overrides);

}  // namespace stacksim
