// The names of the serving variants (routers, batch policies), for the scenario reader:
// they come from the registries (serving/routers/registry.cpp, serving/policies/
// registry.cpp), so a variant registered there is accepted in scenarios at once.
#pragma once

#include <string>
#include <vector>

namespace stacksim {

std::vector<std::string> router_names();
std::vector<std::string> batch_policy_names();

}  // namespace stacksim
