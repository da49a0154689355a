// What the commands share: parsing with Boost.Program_options and the two ways a command
// fails. A command throws UsageError (bad usage or input, exit code 2; a ConfigError
// from the library counts as one) or RunFailure (a simulation failed, exit code 1);
// main_dispatch prints the one error line. Nothing else prints "stacksim: error:".
#pragma once

#include <boost/program_options.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/yaml_reader.h"

namespace stacksim {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RunFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

extern const char* const kVersion;

// Parses `args` against `opts`; positional arguments are collected as
// vm["positional"] (a vector of strings). Throws UsageError.
void parse_args(const std::vector<std::string>& args, const boost::program_options::options_description& opts,
                boost::program_options::variables_map* vm);

// The positional arguments parse_args collected.
std::vector<std::string> positionals(const boost::program_options::variables_map& vm);

// Prints "Usage: stacksim USAGE\n\nTEXT\n" and the options when --help was given; true then.
bool print_help(const boost::program_options::variables_map& vm, const std::string& usage, const std::string& text,
                const boost::program_options::options_description& opts);

// A command that takes [SCENARIO.yaml] and --set overrides (run, info).
struct ScenarioArgs {
  boost::program_options::variables_map vm;
  std::string path;  // the scenario file (the default scenario when none is given)
  std::vector<Override> overrides;
  bool help = false;  // --help was given and printed
};

// Adds --help and --set to `opts`, parses `args` for command `name`, prints the help
// when asked. Throws UsageError.
ScenarioArgs parse_scenario_args(const std::string& name, const std::string& text, const std::vector<std::string>& args,
                                 boost::program_options::options_description& opts);

// The values of the repeatable --set option as overrides. Throws UsageError.
std::vector<Override> set_overrides(const boost::program_options::variables_map& vm);

// The --jobs value, at least 1. Throws UsageError.
int jobs_option(const boost::program_options::variables_map& vm);

}  // namespace stacksim
