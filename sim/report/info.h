// `stacksim info`: what a scenario's inputs imply without simulating — per pool, the
// model's sizes, the platform's peaks, memory per chip and KV capacity, and the
// performance model's step times at representative batch shapes.
#pragma once

#include <nlohmann/json.hpp>

#include "config/scenario.h"

namespace stacksim {

// A colocated scenario: {scenario, model, platform, serving, memory, steps}. A
// disaggregated one: {scenario, pools: [{role, model, platform, ...} per pool]}.
nlohmann::json describe(const Scenario& sc);
// Prints describe()'s figures for a person.
void print_description(const nlohmann::json& j);

}  // namespace stacksim
