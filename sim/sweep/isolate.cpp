#include "sweep/isolate.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <exception>
#include <stdexcept>

namespace stacksim {

namespace {

struct Running {
  size_t task;
  pid_t pid;
  int fd;
  std::string buffer;
  std::chrono::steady_clock::time_point start;
};

// Writes all of `s` to fd, retrying on short writes.
void write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

Running launch(size_t index, const std::function<std::string()>& task) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  const auto start = std::chrono::steady_clock::now();
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // The simulation dies with the process that started it (killed by any signal, even
    // SIGKILL): nothing is left running, reparented, writing files no one will read.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(4);  // it died before the line above
    ::close(fds[0]);
    // The first byte says how the task ended: 'O' output follows, 'E' an error line.
    int code = 0;
    try {
      std::string out = task();
      write_all(fds[1], "O" + out);
    } catch (const std::exception& e) {
      write_all(fds[1], std::string("E") + e.what());
      code = 3;
    }
    ::close(fds[1]);
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(code);
  }
  ::close(fds[1]);
  return Running{index, pid, fds[0], {}, start};
}

ChildResult finish(Running& r) {
  ::close(r.fd);
  int status = 0;
  rusage usage{};
  wait4(r.pid, &status, 0, &usage);
  ChildResult res;
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.start).count();
  res.peak_rss_mb = double(usage.ru_maxrss) / 1024;  // kB on Linux
  if (!r.buffer.empty() && r.buffer[0] == 'O' && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    res.ok = true;
    res.output = r.buffer.substr(1);
  } else if (!r.buffer.empty() && r.buffer[0] == 'E') {
    res.error = r.buffer.substr(1);
  } else if (WIFSIGNALED(status)) {
    res.error = std::string("the simulation process was killed by signal ") + strsignal(WTERMSIG(status));
  } else {
    res.error =
        "the simulation process exited with status " + std::to_string(WEXITSTATUS(status)) + " without a result";
  }
  return res;
}

}  // namespace

std::vector<ChildResult> run_isolated(const std::vector<std::function<std::string()>>& tasks, int jobs,
                                      const std::function<void(size_t, const ChildResult&)>& on_done) {
  if (jobs < 1) jobs = 1;
  std::vector<ChildResult> results(tasks.size());
  std::vector<Running> running;
  size_t next = 0;
  std::fflush(stdout);
  std::fflush(stderr);
  while (next < tasks.size() || !running.empty()) {
    while (next < tasks.size() && static_cast<int>(running.size()) < jobs) {
      running.push_back(launch(next, tasks[next]));
      ++next;
    }
    std::vector<pollfd> fds;
    for (const auto& r : running) fds.push_back({r.fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    for (size_t i = running.size(); i-- > 0;) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t n = ::read(running[i].fd, buf, sizeof buf);
      if (n > 0) {
        running[i].buffer.append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        const size_t task = running[i].task;
        results[task] = finish(running[i]);
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
        if (on_done) on_done(task, results[task]);
      }
    }
  }
  return results;
}

}  // namespace stacksim
