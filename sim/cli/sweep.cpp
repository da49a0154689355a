// `stacksim sweep`: many scenarios, each in its own process, results in one SQLite
// database (sweep/runner.h).
#include "sweep/sweep.h"

#include <chrono>
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "sweep/runner.h"
#include "sweep/store.h"
#include "util/io.h"
#include "workload/generator.h"

namespace po = boost::program_options;

namespace stacksim {

int cmd_sweep(const std::vector<std::string>& args) {
  po::options_description opts("Options of `stacksim sweep SWEEP.yaml`");
  opts.add_options()("help,h", "print this help")("jobs,j", po::value<int>()->default_value(1),
                                                  "scenarios to run at once (one process each)")(
      "db", po::value<std::string>(), "the results database (default: SWEEP.db beside the sweep file)")(
      "shard", po::value<std::string>(), "run only slice K/N of the scenarios (0 <= K < N), e.g. for job arrays")(
      "set,s", po::value<std::vector<std::string>>()->composing(), "override a key in every scenario")(
      "requests", "also keep a record per request of each scenario, in the database's `requests` table")(
      "max-points", po::value<int64_t>(), "run a sweep of more than 100,000 points (grid x zip), up to this many");
  po::variables_map vm;
  parse_args(args, opts, &vm);
  if (print_help(vm, "sweep SWEEP.yaml [options]",
                 "Runs every scenario of a sweep (base scenario x grid x zip axes), each in its own\n"
                 "process, and commits each result to an SQLite database as it finishes; a rerun\n"
                 "skips the scenarios already there. Under `mpirun -np N` the scenarios are spread\n"
                 "over the ranks and gathered into the one database.\n",
                 opts))
    return 0;
  if (positionals(vm).size() != 1) throw UsageError("sweep takes one sweep file");
  const std::string file = positionals(vm)[0];
  const std::string db = vm.count("db") ? vm["db"].as<std::string>() : default_results_path(file);
  const int jobs = jobs_option(vm);
  Shard shard;
  if (vm.count("shard") && !parse_shard(vm["shard"].as<std::string>(), &shard))
    throw UsageError("--shard expects K/N with 0 <= K < N, found \"" + vm["shard"].as<std::string>() + "\"");
  if (vm.count("shard") && under_mpi()) throw UsageError("--shard and mpirun do not go together");

  int64_t max_points = kDefaultMaxSweepPoints;
  if (vm.count("max-points")) {
    max_points = vm["max-points"].as<int64_t>();
    if (max_points < 1) throw UsageError("--max-points must be at least 1");
  }
  // Loading many points takes a while (~3 ms each): say so on stderr every 10 s.
  const auto t0 = std::chrono::steady_clock::now();
  double next_note = 10;
  auto progress = [&](size_t done, size_t total) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s < next_note) return;
    next_note = s + 10;
    std::cerr << "stacksim sweep: loading the scenarios: " << done << " of " << total << " points\n";
  };
  const std::vector<SweepScenario> scenarios = expand_sweep(load_sweep(file, max_points), set_overrides(vm), progress);
  for (const auto& s : scenarios) make_generator(s.scenario.workload, s.scenario.seed);  // traces readable
  check_database(db);
  SweepRun run;
  run.jobs = jobs;
  run.requests = vm.count("requests") > 0;
  return run_sweep(scenarios, db, shard, run) > 0 ? 1 : 0;
}

}  // namespace stacksim
