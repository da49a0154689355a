#include "cli/args.h"

#include <iostream>

#include "config/error.h"
#include "config/scenario.h"

namespace po = boost::program_options;

namespace stacksim {

const char* const kVersion = "0.1.0";

void parse_args(const std::vector<std::string>& args, const po::options_description& opts, po::variables_map* vm) {
  po::options_description hidden;
  hidden.add_options()("positional", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("positional", -1);
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), *vm);
    po::notify(*vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
}

std::vector<std::string> positionals(const po::variables_map& vm) {
  return vm.count("positional") ? vm["positional"].as<std::vector<std::string>>() : std::vector<std::string>{};
}

bool print_help(const po::variables_map& vm, const std::string& usage, const std::string& text,
                const po::options_description& opts) {
  if (!vm.count("help")) return false;
  std::cout << "Usage: stacksim " << usage << "\n\n" << text << "\n" << opts << "\n";
  return true;
}

std::vector<Override> set_overrides(const po::variables_map& vm) {
  std::vector<Override> out;
  if (!vm.count("set")) return out;
  try {
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) out.push_back(parse_override(s));
  } catch (const ConfigError& e) {
    throw UsageError(e.what());
  }
  return out;
}

int jobs_option(const po::variables_map& vm) {
  const int jobs = vm["jobs"].as<int>();
  if (jobs < 1) throw UsageError("--jobs must be at least 1");
  return jobs;
}

ScenarioArgs parse_scenario_args(const std::string& name, const std::string& text, const std::vector<std::string>& args,
                                 po::options_description& opts) {
  opts.add_options()("help,h", "print this help")(
      "set,s", po::value<std::vector<std::string>>()->composing(),
      "override a scenario key, e.g. --set serving.chips=256 or --set platform.chip.hbm_bandwidth=\"20 TB/s\"; "
      "keys under platform., model. and workload. reach into those files; platform=PATH swaps the file "
      "(paths given here are relative to the current directory); repeatable");
  ScenarioArgs a;
  parse_args(args, opts, &a.vm);
  a.help = print_help(a.vm, name + " [SCENARIO.yaml] [options]", text, opts);
  if (a.help) return a;
  const auto files = positionals(a.vm);
  if (files.size() > 1) throw UsageError(name + " takes one scenario file, got " + std::to_string(files.size()));
  a.path = files.empty() ? data_dir() + "/scenarios/default.yaml" : files[0];
  a.overrides = set_overrides(a.vm);
  return a;
}

}  // namespace stacksim
