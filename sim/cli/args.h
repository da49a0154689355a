// Command-line parsing shared by the commands: options plus positional arguments.
#pragma once

#include <boost/program_options.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace stacksim {

// Parses `args` against `opts`; positional arguments are collected as
// vm["positional"] (a vector of strings). Returns -1 to go on, or 2 after printing one
// usage error line.
inline int parse_args(const std::vector<std::string>& args, const boost::program_options::options_description& opts,
                      boost::program_options::variables_map* vm) {
  namespace po = boost::program_options;
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
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 2;
  }
  return -1;
}

// The positional arguments parse_args collected.
inline std::vector<std::string> positionals(const boost::program_options::variables_map& vm) {
  return vm.count("positional") ? vm["positional"].as<std::vector<std::string>>() : std::vector<std::string>{};
}

}  // namespace stacksim
