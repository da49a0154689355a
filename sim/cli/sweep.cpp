// `stacksim sweep`: many scenarios, each in its own process, results in one SQLite
// database (sweep/runner.h).
#include "sweep/sweep.h"

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
      "requests", "also keep a record per request of each scenario, in the database's `requests` table");
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

  const std::vector<SweepScenario> scenarios = expand_sweep(load_sweep(file), set_overrides(vm));
  for (const auto& s : scenarios) make_generator(s.scenario.workload, s.scenario.seed);  // traces readable
  check_database(db);
  return run_sweep(scenarios, db, shard, jobs, vm.count("requests") > 0) > 0 ? 1 : 0;
}

}  // namespace stacksim
