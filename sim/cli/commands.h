// The command-line commands. Each returns the process exit code:
// 0 success, 1 a simulation failed, 2 bad input (one error line on stderr).
#pragma once

#include <string>
#include <vector>

namespace stacksim {

int cmd_run(const std::vector<std::string>& args);
int cmd_validate(const std::vector<std::string>& args);
int cmd_calibrate(const std::vector<std::string>& args);
int cmd_sweep(const std::vector<std::string>& args);
int cmd_export(const std::vector<std::string>& args);
int cmd_merge(const std::vector<std::string>& args);
int cmd_plan(const std::vector<std::string>& args);
int main_dispatch(int argc, char** argv);

}  // namespace stacksim
