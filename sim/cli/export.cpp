// `stacksim export`: a results database as CSV.
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "sweep/store.h"
#include "util/io.h"

namespace po = boost::program_options;

namespace stacksim {

int cmd_export(const std::vector<std::string>& args) {
  po::options_description opts("Options of `stacksim export RESULTS.db`");
  opts.add_options()("help,h", "print this help")("csv", po::value<std::string>(), "the CSV file to write (required)");
  po::variables_map vm;
  parse_args(args, opts, &vm);
  if (print_help(vm, "export RESULTS.db --csv FILE",
                 "Writes every result as one CSV row: inputs (input.KEY) and every metric (dotted JSON paths).\n",
                 opts))
    return 0;
  const auto dbs = positionals(vm);
  if (dbs.size() != 1 || !vm.count("csv")) throw UsageError("usage: stacksim export RESULTS.db --csv FILE");
  if (access(dbs[0].c_str(), R_OK) != 0) throw UsageError(dbs[0] + ": no such results database");
  const std::string problem = input_problem(dbs[0], 0);
  if (!problem.empty()) throw UsageError(dbs[0] + ": " + problem);
  check_writable(vm["csv"].as<std::string>());  // not the database itself
  ResultStore store(dbs[0], ResultStore::Mode::ReadOnly);
  write_file_atomic(vm["csv"].as<std::string>(), results_to_csv(store.all()));
  return 0;
}

}  // namespace stacksim
