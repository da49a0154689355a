// `stacksim merge`: the databases of sweep shards into one.
#include <unistd.h>

#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "sweep/store.h"
#include "util/io.h"

namespace po = boost::program_options;

namespace stacksim {

int cmd_merge(const std::vector<std::string>& args) {
  po::options_description opts("Options of `stacksim merge OUT.db IN.db...`");
  opts.add_options()("help,h", "print this help");
  po::variables_map vm;
  parse_args(args, opts, &vm);
  if (print_help(vm, "merge OUT.db IN.db...",
                 "Copies into OUT.db every result of the IN databases (the shards of a sweep) that it lacks.\n", opts))
    return 0;
  const auto dbs = positionals(vm);
  if (dbs.size() < 2) throw UsageError("usage: stacksim merge OUT.db IN.db...");
  for (size_t i = 1; i < dbs.size(); ++i) {
    if (access(dbs[i].c_str(), R_OK) != 0) throw UsageError(dbs[i] + ": no such results database");
    const std::string problem = input_problem(dbs[i], 0);
    if (!problem.empty()) throw UsageError(dbs[i] + ": " + problem);
  }
  check_database(dbs[0]);  // none of the inputs
  // Every input checked (a results database, undamaged) before OUT is created or touched.
  for (size_t i = 1; i < dbs.size(); ++i) ResultStore(dbs[i], ResultStore::Mode::ReadOnly);
  ResultStore out(dbs[0]);
  for (size_t i = 1; i < dbs.size(); ++i) {
    const int64_t n = out.merge_from(dbs[i]);
    std::cerr << "merge: " << n << " new results from " << dbs[i] << "\n";
  }
  return 0;
}

}  // namespace stacksim
