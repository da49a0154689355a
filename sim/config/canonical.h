// The canonical text of a YAML tree, which scenario fingerprints hash: one scenario
// written two ways (its keys in another order, `yes` for `true`, `8e3` for `8000`,
// `1 TB` for `1000 GB`, `60%` for `0.6`) has one fingerprint.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace stacksim {

// Mappings with their keys sorted, booleans as true/false, every scalar that reads as a
// number or a quantity as its dimension and SI value (%.17g), other scalars quoted.
// `file_keys`: the scalar values of keys named platform, model or workload (file paths,
// whose contents the fingerprint hashes on their own) become "(file)".
std::string canonical_text(const YAML::Node& node, bool file_keys = false);

// A file a scenario reads, in canonical form: YAML (a platform, a stack) as above, JSON
// (a Hugging Face config.json) with its keys sorted. REQUIRES: read and checked already.
std::string canonical_file(const std::string& path);

}  // namespace stacksim
