// `stacksim fleet`: clusters behind a global router, each simulated in its own process or
// MPI rank, merged into one summary (fleet/fleet.h).
#include "fleet/fleet.h"

#include <algorithm>
#include <iostream>
#include <set>

#include "cli/args.h"
#include "cli/commands.h"
#include "sweep/runner.h"
#include "sweep/store.h"
#include "util/io.h"
#include "util/table.h"
#include "workload/generator.h"

namespace po = boost::program_options;

namespace stacksim {

namespace {

// The wall the clusters would take on `ranks` ranks, dealt as the runner deals them
// (cluster index modulo the ranks), one at a time per rank: the slowest rank's sum.
double projected_wall(const std::map<int64_t, double>& walls, int64_t ranks) {
  std::vector<double> per(size_t(ranks), 0);
  for (const auto& [i, w] : walls) per[size_t(i % ranks)] += w;
  return *std::max_element(per.begin(), per.end());
}

nlohmann::json wall_stats(const std::map<int64_t, double>& walls) {
  double total = 0, most = 0;
  nlohmann::json by_cluster;
  for (const auto& [i, w] : walls) {
    total += w, most = std::max(most, w);
    by_cluster[std::to_string(i)] = w;
  }
  nlohmann::json j = {{"clusters_run", walls.size()},
                      {"cluster_wall_s_total", total},
                      {"cluster_wall_s_max", most},
                      {"cluster_wall_s", by_cluster}};
  if (!walls.empty())
    for (int64_t r : {1, 2, 8, 64, 256}) j["projected_wall_s"][std::to_string(r) + "_ranks"] = projected_wall(walls, r);
  return j;
}

// The fleet's summary from its clusters' rows in `db`, stored there as the fleet's row.
nlohmann::json merge_stored(const Fleet& fleet, const std::string& db) {
  std::set<std::string> mine;
  for (const auto& s : fleet.scenarios) mine.insert(s.scenario.fingerprint);
  std::vector<StoredResult> results;
  ResultStore store(db);
  for (StoredResult& r : store.all())
    if (mine.count(r.fingerprint) && r.index >= 0) results.push_back(std::move(r));
  nlohmann::json summary = merge_fleet(fleet, results);
  const FleetSpec& f = fleet.spec;
  const nlohmann::json inputs = {
      {"fleet", f.name}, {"rate_per_s", f.rate}, {"duration_s", f.duration},         {"router", f.policy},
      {"fill", f.fill},  {"seed", f.seed},       {"clusters", fleet.clusters.size()}};
  store.insert({fleet.fingerprint, -1, "fleet " + f.name, inputs.dump(), summary.dump()}, true);
  return summary;
}

std::string routing_line(const Fleet& f) {
  int64_t idle = 0, chips = 0;
  for (const auto& c : f.clusters) idle += c.rate <= 0, chips += f.groups[c.group].chips;
  return strprintf("fleet %s: %zu clusters (%lld chips), %lld idle by the router; %zu to simulate\n",
                   f.spec.name.c_str(), f.clusters.size(), (long long)chips, (long long)idle, f.scenarios.size());
}

}  // namespace

int cmd_fleet(const std::vector<std::string>& args) {
  po::options_description opts("Options of `stacksim fleet FLEET.yaml`");
  opts.add_options()("help,h", "print this help")("jobs,j", po::value<int>()->default_value(1),
                                                  "clusters to simulate at once (one process each; per rank)")(
      "db", po::value<std::string>(), "the results database (default: FLEET.db beside the fleet file)")(
      "json", po::value<std::string>(), "also write the fleet's summary as JSON to FILE")(
      "stats", po::value<std::string>(), "write each cluster's wall time and the projected wall on N ranks to FILE")(
      "set,s", po::value<std::vector<std::string>>()->composing(), "override a key in every cluster's scenario")(
      "dry-run", "screen and route only: print each group's capacity and share, simulate nothing");
  po::variables_map vm;
  parse_args(args, opts, &vm);
  if (print_help(vm, "fleet FLEET.yaml [options]",
                 "Splits a fleet's arrivals among its clusters by the router's policy (from each\n"
                 "cluster's analytic capacity, price or latency; no feedback during the run),\n"
                 "simulates each cluster in its own process, and merges their summaries into the\n"
                 "fleet's; every cluster's result goes to an SQLite database (a rerun skips those\n"
                 "there). Under `mpirun -np N` the clusters are spread over the ranks; the merged\n"
                 "summary is the same whatever the number of ranks.\n",
                 opts))
    return 0;
  if (positionals(vm).size() != 1) throw UsageError("fleet takes one fleet file");
  const std::string file = positionals(vm)[0];
  const std::string db = vm.count("db") ? vm["db"].as<std::string>() : default_results_path(file);
  const bool lead = mpi_rank() == 0;
  for (const char* k : {"json", "stats"})
    if (vm.count(k) && lead) check_writable(vm[k].as<std::string>());
  Fleet fleet;
  try {
    fleet = resolve_fleet(load_fleet(file), set_overrides(vm));
  } catch (const std::runtime_error&) {
    if (lead) throw;
    return 2;  // every rank reads the same files: rank 0 says what is wrong, once
  }
  if (lead) std::cerr << routing_line(fleet);
  if (vm.count("dry-run")) {
    if (lead) std::cout << fleet_table(merge_fleet(fleet, {}, true));
    return 0;
  }
  check_database(db);
  std::map<int64_t, double> walls;
  SweepRun run;
  run.jobs = jobs_option(vm);
  run.distributions = true;
  run.walls = &walls;
  run.label = "fleet";
  const int failed = run_sweep(fleet.scenarios, db, Shard{}, run);
  if (!lead) return failed > 0 ? 1 : 0;
  if (failed > 0) throw RunFailure(std::to_string(failed) + " of the fleet's clusters failed (see above)");
  const nlohmann::json summary = merge_stored(fleet, db);
  std::cout << fleet_table(summary);
  if (vm.count("json")) write_file_atomic(vm["json"].as<std::string>(), summary.dump(2) + "\n");
  if (vm.count("stats")) write_file_atomic(vm["stats"].as<std::string>(), wall_stats(walls).dump(2) + "\n");
  return 0;
}

}  // namespace stacksim
