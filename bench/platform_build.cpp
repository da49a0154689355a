// The cost of building a cluster's SimGrid platform, alone: bench/run's "platform" rows.
//
//   stacksim_bench_platform PLATFORM.yaml CHIPS CHIPS_PER_DOMAIN
//
// Loads the platform file, sets its scale-up domains to CHIPS_PER_DOMAIN chips, builds
// CHIPS chips (stacksim's build_platform: hosts, links, routes) in a fresh engine, and
// prints one line: chips, domains, build wall seconds, peak RSS in MB.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <simgrid/s4u.hpp>

#include "config/error.h"
#include "platform/build.h"

int main(int argc, char** argv) {
  if (argc != 4 || std::atoi(argv[2]) < 1 || std::atoi(argv[3]) < 1) {
    std::fprintf(stderr, "usage: %s PLATFORM.yaml CHIPS CHIPS_PER_DOMAIN\n", argv[0]);
    return 2;
  }
  const int chips = std::atoi(argv[2]), per_domain = std::atoi(argv[3]);
  stacksim::Platform p;
  try {
    p = stacksim::load_platform(argv[1]);
  } catch (const stacksim::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  p.scale_up.chips_per_domain = per_domain;
  int sg_argc = 2;
  char a0[] = "bench", a1[] = "--log=root.thresh:critical";
  char* sg_argv[] = {a0, a1, nullptr};
  simgrid::s4u::Engine engine(&sg_argc, sg_argv);
  const auto t0 = std::chrono::steady_clock::now();
  const stacksim::ClusterHosts hosts = stacksim::build_platform(engine, p, chips);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%d %d %.4f %.1f\n", int(hosts.chips.size()), (chips + per_domain - 1) / per_domain, wall,
              double(usage.ru_maxrss) / 1024);
  return 0;
}
