// The command-line commands, one file each in cli/. Each parses its options, calls the
// library and prints; it returns 0 (or 1 when its results say so: a failed validation,
// failed sweep scenarios) and throws UsageError / RunFailure otherwise (cli/args.h).
#pragma once

#include <string>
#include <vector>

namespace stacksim {

int cmd_run(const std::vector<std::string>& args);
int cmd_info(const std::vector<std::string>& args);
int cmd_validate(const std::vector<std::string>& args);
int cmd_calibrate(const std::vector<std::string>& args);
int cmd_sweep(const std::vector<std::string>& args);
int cmd_export(const std::vector<std::string>& args);
int cmd_merge(const std::vector<std::string>& args);
int cmd_fleet(const std::vector<std::string>& args);
int cmd_plan(const std::vector<std::string>& args);
int cmd_report(const std::vector<std::string>& args);
int main_dispatch(int argc, char** argv);

}  // namespace stacksim
