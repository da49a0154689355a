// The command table and the one place a command's failure becomes an error line and an
// exit code (cli/args.h).
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"

namespace stacksim {

namespace {

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
    "  stacksim fleet FLEET.yaml [--jobs N] [--json FILE]   (also under mpirun)\n"
    "  stacksim plan PLAN.yaml [--jobs N]\n"
    "  stacksim report RESULTS... -o REPORT.html\n"
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
    "  fleet      clusters behind a global router, each simulated on its own, one summary\n"
    "  plan       find the cheapest configuration per platform that meets an SLO\n"
    "  report     one self-contained HTML page of results (runs, records, timelines,\n"
    "             traces, sweeps, plans): tables, CDFs, timelines, frontier, costs\n"
    "\n"
    "`stacksim run --help` lists the options of run. Exit codes: 0 success,\n"
    "1 a simulation failed, 2 bad input (one error line naming file, line and key).\n";

using Command = int (*)(const std::vector<std::string>&);

const std::vector<std::pair<std::string, Command>> kCommands = {
    {"run", cmd_run},       {"info", cmd_info},     {"validate", cmd_validate}, {"calibrate", cmd_calibrate},
    {"sweep", cmd_sweep},   {"export", cmd_export}, {"merge", cmd_merge},       {"plan", cmd_plan},
    {"report", cmd_report}, {"fleet", cmd_fleet},
};

int dispatch(const std::string& name, const std::vector<std::string>& args) {
  for (const auto& [n, command] : kCommands)
    if (n == name) return command(args);
  throw UsageError("unknown command \"" + name + "\" (try stacksim --help)");
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
  const std::string name = args[0];
  args.erase(args.begin());
  try {
    return dispatch(name, args);
  } catch (const RunFailure& e) {
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 1;
  } catch (const std::runtime_error& e) {  // UsageError, ConfigError, a file not writable
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace stacksim
