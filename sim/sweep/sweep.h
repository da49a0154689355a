// Sweep files: a base scenario and axes over any key that --set accepts.
//
//   base: ../coding-serving.yaml      # a scenario file (relative to this file)
//   set: {serving.max_seqs_per_chip: 64}        # fixed overrides (optional)
//   grid:                             # cartesian product (optional)
//     serving.chips: [72, 144]
//     workload.arrival.rate: [1/s, 2/s]
//   zip:                              # lists of equal length, taken together (optional)
//     platform: [../../platforms/h100-hgx.yaml, ../../platforms/b200-hgx.yaml]
//     serving.chips_per_instance: [32, 32]
//
// Points are grid x zip (x the base's variants), in a fixed order. Path values of
// platform/model/workload are relative to the sweep file.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/scenario.h"

namespace stacksim {

struct SweepPoint {
  int64_t index = 0;
  std::vector<Override> overrides;  // the point's overrides (fixed set, then the axes)
  nlohmann::json inputs;            // the swept keys and their values
};

struct SweepSpec {
  std::string file;
  std::string base;  // the base scenario file, resolved
  std::vector<SweepPoint> points;
};

// Reads a sweep file. Throws ConfigError.
SweepSpec load_sweep(const std::string& path);

// One scenario to run: a point of the sweep, one variant of the base.
struct SweepScenario {
  int64_t index = 0;  // unique over the sweep: point index x variants + variant
  Scenario scenario;
  nlohmann::json inputs;
};

// Resolves every point into scenarios (each point's overrides, then `cli` overrides).
std::vector<SweepScenario> expand_sweep(const SweepSpec& spec, const std::vector<Override>& cli);

}  // namespace stacksim
