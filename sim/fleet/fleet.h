// Fleets: many clusters, each a scenario of its own, behind one global router.
//
//   fleet:
//     name: rubin-and-ascend
//     seed: 1
//     workload: ../../workloads/coding.yaml   # the fleet's stream (a workload with an arrival process)
//     rate: 2000/s                            # the fleet's arrivals per second
//     duration: 3600 s                        # of arrivals
//     router: capacity                        # capacity | price | latency
//     fill: 0.8                               # price, latency: a cluster's load up to this share of its capacity
//     clusters:
//       - scenario: ../../bench/large.yaml    # a scenario file (its workload is replaced)
//         variant: large                      # when the file has variants
//         count: 80                           # identical clusters (each its own random stream)
//         set: {serving.decode.max_seqs_per_chip: 32}   # optional overrides
//
// The router splits the fleet's arrivals among the clusters by a fixed share each, set
// before the run from the screen's analytic capacity (perf/capacity.h) and price, with
// no feedback from the simulation: "capacity" in proportion to each cluster's capacity;
// "price" fills the clusters in order of dollars per request at capacity, each up to
// `fill` of its capacity; "latency" fills them in order of unloaded end-to-end latency.
// Load beyond every cluster's fill spreads in proportion to capacity. A cluster that gets
// no load is not simulated: it is billed idle for the duration.
//
// Routing each arrival independently to cluster i with probability p_i thins the
// fleet's arrival process: a Poisson stream of rate L becomes independent Poisson
// streams of rates p_i L, which is exactly what each cluster simulates. A gamma renewal
// stream with gap variation cv becomes renewal streams with cv_i^2 = p_i cv^2 + 1 - p_i
// (a gap is a geometric sum of gaps); each cluster simulates a gamma stream with those
// two moments (a labelled approximation of the gaps' shape). Sessions, jobs and a diurnal
// curve are routed whole, as the workload's arrival process draws them. Clusters are
// independent between routing decisions, so each runs in its own process (or MPI rank),
// and their summaries merge into the fleet's, the same whatever the number of ranks.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/error.h"
#include "config/scenario.h"
#include "sweep/store.h"
#include "sweep/sweep.h"

namespace stacksim {

// A group of identical clusters.
struct FleetGroup {
  std::string name;      // the scenario's name unless given
  std::string scenario;  // its file, resolved
  std::string variant;   // "" when the file has one scenario
  int64_t count = 1;
  std::vector<Override> set;
  Location at;  // where the group is in the fleet file
};

struct FleetSpec {
  std::string file, name;
  uint64_t seed = 1;
  std::string workload;  // the workload file, resolved
  double rate = 0;       // arrivals/s (sessions, jobs: as the workload's arrival counts them)
  double duration = 0;   // s of arrivals
  std::string policy = "capacity";
  double fill = 0.8;
  std::vector<FleetGroup> groups;
  Location at, workload_at;  // where the rate and the workload are in the fleet file
  // Read once from the workload file: its arrival's gap variation (gamma; 1 for Poisson)
  // and the keys that bound its count (lifted: the duration bounds each cluster's arrivals).
  double workload_cv = 1;
  std::vector<std::string> workload_counts;
};

// Reads a fleet file. Throws ConfigError.
FleetSpec load_fleet(const std::string& path);

// What the router knows of one cluster of a group (the screen's figures at the fleet's load).
struct ClusterEstimate {
  int64_t chips = 0;
  std::string platform;             // the platforms of its pools, "/"-joined when they differ
  double capacity = 0;              // arrivals/s within the workload's SLO at p90 (or, when unmet at any load: stable)
  double requests_per_arrival = 1;  // a session's turns, a job's documents (1 for a stream)
  bool slo_met = true;              // false: the SLO is missed even at a light load; capacity is then the stable rate
  double usd_per_hour = 0;          // at capacity
  double idle_usd_per_hour = 0;     // with every chip idle
  double idle_watts = 0;            // the cluster's chips idle, with the facility's overhead (as energy_kwh counts it)
  double latency = 0;               // s: end-to-end at a tenth of capacity (front end + TTFT p50 + output x TPOT p50)
  double usd_per_request() const { return capacity > 0 ? usd_per_hour / 3600 / (capacity * requests_per_arrival) : 0; }
};

// The fleet resolved: each cluster's share of the load and, when it has one, its scenario.
struct Fleet {
  FleetSpec spec;
  std::vector<ClusterEstimate> groups;  // by group
  struct Cluster {
    int64_t index = 0;
    size_t group = 0;
    double rate = 0;  // arrivals/s routed to it (0: idle, not simulated)
    double cv = 1;    // its arrivals' gap variation
  };
  std::vector<Cluster> clusters;
  std::vector<SweepScenario> scenarios;  // the clusters with load (SweepScenario::index = Cluster::index)
  std::string fingerprint;               // of every cluster's scenario and the routing
};

// Screens each group, routes the load and builds the clusters' scenarios (`cli`: overrides
// for every cluster, after the fleet's). Throws ConfigError.
Fleet resolve_fleet(const FleetSpec& spec, const std::vector<Override>& cli);

// The fleet's summary from its clusters' results (the stored summaries with their
// distributions, any order): sums, and percentiles from the merged sketches. Throws
// std::runtime_error when a simulated cluster has no result, unless `routing_only` (the
// screen's figures and the routed rates, before any simulation).
nlohmann::json merge_fleet(const Fleet& fleet, const std::vector<StoredResult>& results, bool routing_only = false);

// The summary as the terminal shows it: a row per group and the fleet's totals.
std::string fleet_table(const nlohmann::json& summary);

}  // namespace stacksim
