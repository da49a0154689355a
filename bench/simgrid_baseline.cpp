// The raw activity rate of the installed SimGrid on this machine: a baseline against
// which stacksim's own rate is quoted (bench/run).
//
//   stacksim_simgrid_baseline [ACTORS] [ACTIVITIES_PER_ACTOR]
//
// Two runs, each in a fresh engine (a child process, since SimGrid keeps global state):
//   sleep  ACTORS actors on one host each sleep ACTIVITIES_PER_ACTOR times, for durations
//          that interleave them (the activity stacksim's instances use for a step);
//   comm   ACTORS actors each send ACTIVITIES_PER_ACTOR/10 1 MB flows between two hosts
//          of a star (the activity stacksim uses for a KV transfer).
// Prints one line per run: kind, activities, wall seconds, activities per second.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <simgrid/s4u.hpp>
#include <string>

namespace sg4 = simgrid::s4u;

namespace {

double run(const std::string& kind, int actors, long per_actor, long* activities) {
  int argc = 2;
  char arg0[] = "baseline", arg1[] = "--log=root.thresh:critical";
  char* argv[] = {arg0, arg1, nullptr};
  sg4::Engine engine(&argc, argv);
  auto* zone = sg4::create_star_zone("zone");
  std::vector<sg4::Host*> hosts;
  for (int i = 0; i < 2; ++i) {
    sg4::Host* h = zone->create_host("h" + std::to_string(i), 1e12);
    const sg4::Link* l = zone->create_link("l" + std::to_string(i), 100e9)->set_latency(1e-6);
    zone->add_route(h->get_netpoint(), nullptr, nullptr, nullptr, {sg4::LinkInRoute(l)}, true);
    hosts.push_back(h);
  }
  zone->seal();
  *activities = 0;
  for (int a = 0; a < actors; ++a) {
    if (kind == "sleep") {
      *activities += per_actor;
      sg4::Actor::create("a" + std::to_string(a), hosts[0], [a, per_actor] {
        const double d = 1e-3 * (1 + (a % 7) * 0.1);
        for (long i = 0; i < per_actor; ++i) sg4::this_actor::sleep_for(d);
      });
    } else {
      const long n = per_actor / 10;
      *activities += n;
      sg4::Actor::create("a" + std::to_string(a), hosts[0], [&hosts, n] {
        for (long i = 0; i < n; ++i) sg4::Comm::sendto(hosts[0], hosts[1], 1e6);
      });
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  engine.run();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int actors = argc > 1 ? std::atoi(argv[1]) : 100;
  const long per_actor = argc > 2 ? std::atol(argv[2]) : 20000;
  if (actors < 1 || per_actor < 10) {
    std::fprintf(stderr, "usage: %s [ACTORS >= 1] [ACTIVITIES_PER_ACTOR >= 10]\n", argv[0]);
    return 2;
  }
  for (const char* kind : {"sleep", "comm"}) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    std::fflush(stdout);  // the child must not inherit (and repeat) buffered output
    const pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      long n = 0;
      const double wall = run(kind, actors, per_actor, &n);
      dprintf(fds[1], "%-6s %12ld %10.3f %14.0f\n", kind, n, wall, n / wall);
      _exit(0);
    }
    close(fds[1]);
    char buf[256];
    const ssize_t got = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
    buf[got] = 0;
    std::fputs(buf, stdout);
  }
  return 0;
}
