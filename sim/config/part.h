// A platform:, model: or workload: entry of a scenario or a validation case: a file path
// (relative to the file that names it) or an inline mapping, with the --set / set:
// overrides that reach into it applied.
#pragma once

#include <string>
#include <vector>

#include "config/yaml_reader.h"

namespace stacksim {

struct Part {
  YAML::Node tree;  // a mapping, or a scalar path for a Hugging Face config.json
  Origin origin;
  std::vector<Override> stack_overrides;  // platform: "platform.stack.*" overrides for a stack file
};

// Reads `key` of r ("platform", "model" or "workload"). Overrides whose key starts with
// `key.` apply to its tree (or, for "platform.stack.*" with a stack file, to that file);
// a Hugging Face config.json takes none (ConfigError).
// `via` names the overrides' source in errors ("--set", "case.yaml set").
Part load_part(MapReader& r, const std::string& key, const std::vector<Override>& overrides,
               const std::string& via = "--set");

}  // namespace stacksim
