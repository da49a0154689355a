// `stacksim info`: what a scenario's inputs imply, without simulating.
#include "report/info.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/commands.h"
#include "perf/fit.h"
#include "util/io.h"

namespace po = boost::program_options;

namespace stacksim {

int cmd_info(const std::vector<std::string>& args) {
  po::options_description opts("Options of `stacksim info [SCENARIO.yaml]`");
  opts.add_options()("output,o", po::value<std::string>(), "also write the figures as JSON to FILE (atomically)")(
      "quiet,q", "do not print them");
  const ScenarioArgs a =
      parse_scenario_args("info",
                          "Prints what the scenario's inputs imply, without simulating: model sizes,\n"
                          "memory per chip and KV capacity, and step times at representative batches.\n",
                          args, opts);
  if (a.help) return 0;
  nlohmann::json all = nlohmann::json::array();
  const std::vector<Scenario> scenarios = load_fitting_scenarios(a.path, a.overrides);
  if (a.vm.count("output")) check_writable(a.vm["output"].as<std::string>());
  for (const auto& sc : scenarios) all.push_back(describe(sc));
  if (!a.vm.count("quiet"))
    for (const auto& d : all) print_description(d);
  if (a.vm.count("output")) {
    const nlohmann::json doc = {{"stacksim_version", kVersion}, {"scenario_file", a.path}, {"scenarios", all}};
    write_file_atomic(a.vm["output"].as<std::string>(), doc.dump(2) + "\n");
  }
  return 0;
}

}  // namespace stacksim
