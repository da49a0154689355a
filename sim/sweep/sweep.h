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

#include <functional>
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
  size_t zip_rows = 1;                             // the first zip_rows points: the grid's first
  std::vector<std::vector<Override>> axes_checks;  // each other grid value with the rest at their first
};

// A `set:` value as an override's text: path values of platform/model/workload (whole
// files) made absolute from `file`, the file that gives them.
std::string value_for(const std::string& key, const YAML::Node& n, const std::string& file);

// The most points a sweep may have unless `sweep --max-points` raises the limit: a grid's
// points multiply, and a typo could ask for billions.
constexpr int64_t kDefaultMaxSweepPoints = 100000;

// Reads a sweep file: counts its points first (and refuses more than max_points), then
// lists them. Throws ConfigError.
SweepSpec load_sweep(const std::string& path, int64_t max_points = kDefaultMaxSweepPoints);

// One scenario to run: a point of the sweep, one variant of the base.
struct SweepScenario {
  int64_t index = 0;  // unique over the sweep: point index x variants + variant
  Scenario scenario;
  nlohmann::json inputs;
};

// Resolves every point into scenarios (each point's overrides, then `cli` overrides).
// Every value of every axis is checked first (with the other axes at their first value),
// so a bad key or value fails before the other points are loaded. `progress` (optional)
// hears of each point loaded.
std::vector<SweepScenario> expand_sweep(const SweepSpec& spec, const std::vector<Override>& cli,
                                        const std::function<void(size_t done, size_t total)>& progress = {});

}  // namespace stacksim
