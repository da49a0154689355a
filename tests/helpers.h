// Test helpers: load a scenario from tests/data and simulate it in a child process
// (SimGrid allows one simulation per process).
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "config/scenario.h"
#include "perf/fit.h"
#include "serving/simulation.h"
#include "sweep/isolate.h"
#include "temp_dir.h"
#include "workload/arrivals.h"
#include "workload/generator.h"
#include "workload/traces.h"

namespace stacksim::test {

inline std::string data(const std::string& name) { return std::string(STACKSIM_TEST_DIR) + "/data/" + name; }
inline std::string repo(const std::string& name) { return std::string(STACKSIM_DATA_DIR) + "/" + name; }

inline Scenario load_one(const std::string& path, const std::vector<Override>& overrides = {}) {
  auto all = load_fitting_scenarios(path, overrides);
  return all.at(0);
}

// Simulates `sc` in a child process and returns its summary. Throws on failure.
inline nlohmann::json run(const Scenario& sc) {
  auto results =
      run_isolated({[&] { return nlohmann::json(simulate(sc, make_generator(sc.workload, sc.seed))).dump(); }}, 1);
  if (!results[0].ok) throw std::runtime_error("simulation failed: " + results[0].error);
  return nlohmann::json::parse(results[0].output);
}

// The stacksim binary the tests run (the build's).
inline std::string bin() { return STACKSIM_BIN; }

// A whole file's bytes ("" when it cannot be read).
inline std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a shell command, returning its exit code and what it printed (stdout + stderr).
struct Shell {
  int code;
  std::string output;
};
Shell shell(const std::string& command);

// The prefix that runs a command on 2 MPI ranks (as root too), or "" when mpirun is missing.
inline std::string mpirun_2() {
  if (shell("command -v mpirun").code != 0) return "";
#if defined(__SANITIZE_ADDRESS__)
  // OpenMPI's own allocations outlive MPI_Finalize: LeakSanitizer would fail the ranks.
  const std::string env = "ASAN_OPTIONS=${ASAN_OPTIONS}:detect_leaks=0 ";
#else
  const std::string env;
#endif
  return env + "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -np 2 ";
}

}  // namespace stacksim::test

namespace stacksim::test {

inline RequestSpec spec(double arrival, int64_t input, int64_t output, std::vector<uint64_t> blocks = {}) {
  RequestSpec s;
  s.arrival = arrival;
  s.input_tokens = input;
  s.output_tokens = output;
  s.blocks = std::move(blocks);
  return s;
}

// Simulates `sc` on the given requests in a child process.
inline nlohmann::json run_specs(const Scenario& sc, const std::vector<RequestSpec>& specs) {
  auto results = run_isolated({[&] { return nlohmann::json(simulate(sc, make_trace_generator(specs))).dump(); }}, 1);
  if (!results[0].ok) throw std::runtime_error("simulation failed: " + results[0].error);
  return nlohmann::json::parse(results[0].output);
}

}  // namespace stacksim::test
