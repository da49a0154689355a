// Process isolation: SimGrid keeps global state, so each simulation runs in a child
// process (fork) that sends its JSON summary back through a pipe. Up to `jobs`
// children run at once; results come back in the order of the tasks.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace stacksim {

struct ChildResult {
  bool ok = false;
  std::string output;  // what the task returned (on success)
  std::string error;   // the failure, one line (on failure)
  double wall_seconds = 0;
  double peak_rss_mb = 0;  // the child's maximum resident set size
};

// Runs each task in its own child process, at most `jobs` at a time.
// A task returns its output or throws; a ConfigError thrown in a child is reported
// with its message, any crash as the signal that ended the child.
// `on_done`, when given, is called in this process as each task finishes (in the order
// they finish), before the next one is started.
std::vector<ChildResult> run_isolated(const std::vector<std::function<std::string()>>& tasks, int jobs,
                                      const std::function<void(size_t, const ChildResult&)>& on_done = nullptr);

}  // namespace stacksim
