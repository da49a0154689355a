// `stacksim report RESULTS... -o report.html`: the HTML report of a run's outputs, built
// by analysis/run_report.py (matplotlib draws its plots; Python and matplotlib are among
// stacksim's Debian packages). This command finds that script and Python and runs it in
// its place, so its exit code and messages are the report's.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cli/args.h"
#include "cli/commands.h"
#include "config/scenario.h"

namespace stacksim {

int cmd_report(const std::vector<std::string>& args) {
  const std::string script = data_dir() + "/analysis/run_report.py";
  if (access(script.c_str(), R_OK) != 0) throw RunFailure("cannot read " + script + ": " + std::strerror(errno));
  // Debian's Python (which has python3-matplotlib and python3-pandas) before whatever
  // `python3` a PATH finds first; STACKSIM_PYTHON overrides both.
  std::string python = "python3";
  if (const char* p = std::getenv("STACKSIM_PYTHON"))
    python = p;
  else if (access("/usr/bin/python3", X_OK) == 0)
    python = "/usr/bin/python3";
  std::vector<std::string> argv_s = {python, script};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  throw RunFailure("cannot run " + python + " (the report needs Python 3 with matplotlib and pandas: " +
                   "apt-get install python3-matplotlib python3-pandas): " + std::strerror(errno));
}

}  // namespace stacksim
