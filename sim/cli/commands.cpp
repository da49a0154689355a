#include "cli/commands.h"

#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <set>

#include "cli/args.h"
#include "cli/isolate.h"
#include "config/scenario.h"
#include "perf/fit.h"
#include "perf/perf_model.h"
#include "report/info.h"
#include "report/report.h"
#include "serving/simulation.h"
#include "workload/generator.h"

namespace po = boost::program_options;

namespace stacksim {

namespace {

const char* kVersion = "0.1.0";

const char* kMainHelp =
    "stacksim - discrete-event simulator of LLM inference clusters (SimGrid)\n"
    "\n"
    "Usage:\n"
    "  stacksim run [SCENARIO.yaml] [--set key=value]... [--output FILE] [--jobs N]\n"
    "  stacksim info [SCENARIO.yaml] [--set key=value]...\n"
    "  stacksim validate [FILE|DIR]... [--leave-one-out] [--sensitivity]\n"
    "  stacksim calibrate [FILE|DIR]... [--write]\n"
    "  stacksim sweep SWEEP.yaml [--jobs N] [--db FILE] [--shard K/N]   (also under mpirun)\n"
    "  stacksim export RESULTS.db --csv FILE\n"
    "  stacksim merge OUT.db IN.db...\n"
    "  stacksim plan PLAN.yaml [--jobs N]\n"
    "  stacksim --help | --version\n"
    "\n"
    "Commands:\n"
    "  run    simulate a scenario (with no file: the built-in default scenario,\n"
    "         DeepSeek V4 on Ascend 950PR vs Vera Rubin NVL72) and print a table\n"
    "  info   print what a scenario's inputs imply (sizes, memory, step times)\n"
    "  validate   compare with published measurements (scenarios/validation/)\n"
    "  calibrate  fit software-stack parameters to those measurements\n"
    "  sweep      run many scenarios (grid and zipped axes) into an SQLite database\n"
    "  export     write a results database as CSV\n"
    "  merge      combine the databases of sweep shards\n"
    "  plan       find the cheapest configuration per platform that meets an SLO\n"
    "\n"
    "`stacksim run --help` lists the options of run. Exit codes: 0 success,\n"
    "1 a simulation failed, 2 bad input (one error line naming file, line and key).\n";

int bad_usage(const std::string& what) {
  std::cerr << "stacksim: error: " << what << "\n";
  return 2;
}

// A command that takes [SCENARIO.yaml] and --set overrides, plus its own options.
struct ScenarioCommand {
  std::string name;    // "run"
  std::string usage;   // the help text above the options
  po::variables_map vm;
  std::string path;    // the scenario file (the default scenario when none is given)
  std::vector<Override> overrides;
};

// Parses `args` for `cmd`. Returns -1 to go on, or the exit code (help printed: 0;
// bad usage or a malformed --set: 2).
int parse_scenario_command(const std::vector<std::string>& args, po::options_description& opts,
                           ScenarioCommand* cmd) {
  opts.add_options()("help,h", "print this help")(
      "set,s", po::value<std::vector<std::string>>()->composing(),
      "override a scenario key, e.g. --set serving.chips=256 or --set platform.chip.hbm_bandwidth=\"20 TB/s\"; "
      "keys under platform., model. and workload. reach into those files; platform=PATH swaps the file "
      "(paths given here are relative to the current directory); repeatable");
  if (int code = parse_args(args, opts, &cmd->vm); code >= 0) return code;
  if (cmd->vm.count("help")) {
    std::cout << "Usage: stacksim " << cmd->name << " [SCENARIO.yaml] [options]\n\n" << cmd->usage << "\n" << opts << "\n";
    return 0;
  }
  const auto files = positionals(cmd->vm);
  if (files.size() > 1)
    return bad_usage(cmd->name + " takes one scenario file, got " + std::to_string(files.size()));
  cmd->path = files.empty() ? data_dir() + "/scenarios/default.yaml" : files[0];
  try {
    if (cmd->vm.count("set"))
      for (const auto& s : cmd->vm["set"].as<std::vector<std::string>>()) cmd->overrides.push_back(parse_override(s));
  } catch (const ConfigError& e) {
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 2;
  }
  return -1;
}

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
  ScenarioCommand cmd;
  cmd.name = "run";
  cmd.usage =
      "Simulates the scenario (each of its variants in its own process) and prints\n"
      "throughput, TTFT/TPOT/E2E percentiles, KV-cache use, chip-hours and dollars per\n"
      "million tokens side by side. Without SCENARIO.yaml runs " + data_dir() + "/scenarios/default.yaml.\n";
  po::options_description opts("Options of `stacksim run [SCENARIO.yaml]`");
  opts.add_options()("output,o", po::value<std::string>(), "write the summaries as JSON to FILE (written atomically)")(
      "jobs,j", po::value<int>()->default_value(1), "simulations to run at once (one process each)")(
      "quiet,q", "do not print the table")(
      "stats", po::value<std::string>(),
      "write each simulation's wall seconds, peak RSS and SimGrid activities as JSON to FILE (for bench/)");
  if (int code = parse_scenario_command(args, opts, &cmd); code >= 0) return code;
  const po::variables_map& vm = cmd.vm;
  const std::string& path = cmd.path;
  const int jobs = vm["jobs"].as<int>();
  if (jobs < 1) return bad_usage("--jobs must be at least 1");

  std::vector<Scenario> scenarios;
  std::vector<std::unique_ptr<Generator>> generators;
  try {
    scenarios = load_fitting_scenarios(path, cmd.overrides);
    // Generators are built here, before any process forks, so that bad traces are
    // reported as input errors.
    for (const auto& sc : scenarios) generators.push_back(make_generator(sc.workload, sc.seed));
  } catch (const ConfigError& e) {
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 2;
  }
  try {
    for (const char* o : {"output", "stats"})
      if (vm.count(o)) check_writable(vm[o].as<std::string>());
  } catch (const std::exception& e) {
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 2;
  }

  std::vector<std::function<std::string()>> tasks;
  for (size_t i = 0; i < scenarios.size(); ++i)
    tasks.push_back([&, i] { return nlohmann::json(simulate(scenarios[i], std::move(generators[i]))).dump(); });
  std::vector<ChildResult> results = run_isolated(tasks, jobs);

  std::vector<RunSummary> summaries;
  std::vector<double> wall;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok) {
      std::cerr << "stacksim: error: scenario " << scenarios[i].name << ": " << results[i].error << "\n";
      return 1;
    }
    summaries.push_back(nlohmann::json::parse(results[i].output).get<RunSummary>());
    wall.push_back(results[i].wall_seconds);
  }
  if (!vm.count("quiet")) print_table(std::cout, summaries, wall);
  if (vm.count("stats")) {
    // Measurements of this machine, kept apart from the (deterministic) summaries.
    nlohmann::json stats = nlohmann::json::array();
    for (size_t i = 0; i < summaries.size(); ++i) {
      const auto& s = summaries[i];
      stats.push_back({{"scenario", s.scenario},
                       {"requests", s.requests.completed + s.requests.rejected},
                       {"simulated_seconds", s.simulated_seconds},
                       {"chips", s.layout.chips},
                       {"simgrid_activities", s.engine.simgrid_activities},
                       {"wall_seconds", results[i].wall_seconds},
                       {"peak_rss_mb", results[i].peak_rss_mb}});
    }
    try {
      write_file_atomic(vm["stats"].as<std::string>(), stats.dump(2) + "\n");
    } catch (const std::exception& e) {
      std::cerr << "stacksim: error: " << e.what() << "\n";
      return 2;
    }
  }
  if (vm.count("output")) {
    nlohmann::json doc = {{"stacksim_version", kVersion}, {"scenario_file", path}, {"scenarios", summaries}};
    try {
      write_file_atomic(vm["output"].as<std::string>(), doc.dump(2) + "\n");
    } catch (const std::exception& e) {
      std::cerr << "stacksim: error: " << e.what() << "\n";
      return 2;
    }
  }
  return 0;
}

namespace {

int cmd_info(const std::vector<std::string>& args) {
  ScenarioCommand cmd;
  cmd.name = "info";
  cmd.usage =
      "Prints what the scenario's inputs imply, without simulating: model sizes,\n"
      "memory per chip and KV capacity, and step times at representative batches.\n";
  po::options_description opts("Options of `stacksim info [SCENARIO.yaml]`");
  opts.add_options()("output,o", po::value<std::string>(), "also write the figures as JSON to FILE (atomically)")(
      "quiet,q", "do not print them");
  if (int code = parse_scenario_command(args, opts, &cmd); code >= 0) return code;
  nlohmann::json all = nlohmann::json::array();
  try {
    for (const auto& sc : load_fitting_scenarios(cmd.path, cmd.overrides)) all.push_back(describe(sc));
  } catch (const ConfigError& e) {
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 2;
  }
  if (!cmd.vm.count("quiet"))
    for (const auto& d : all) print_description(d);
  if (cmd.vm.count("output")) {
    nlohmann::json doc = {{"stacksim_version", kVersion}, {"scenario_file", cmd.path}, {"scenarios", all}};
    try {
      write_file_atomic(cmd.vm["output"].as<std::string>(), doc.dump(2) + "\n");
    } catch (const std::exception& e) {
      std::cerr << "stacksim: error: " << e.what() << "\n";
      return 2;
    }
  }
  return 0;
}

}  // namespace

int main_dispatch(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kMainHelp;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "stacksim " << kVersion << "\n";
    return 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "run") return cmd_run(args);
  if (cmd == "info") return cmd_info(args);
  if (cmd == "validate") return cmd_validate(args);
  if (cmd == "calibrate") return cmd_calibrate(args);
  if (cmd == "sweep") return cmd_sweep(args);
  if (cmd == "export") return cmd_export(args);
  if (cmd == "merge") return cmd_merge(args);
  if (cmd == "plan") return cmd_plan(args);
  return bad_usage("unknown command \"" + cmd + "\" (try stacksim --help)");
}

}  // namespace stacksim
