// `stacksim run`: simulate a scenario's variants, each in its own process, and print them
// side by side.
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/commands.h"
#include "perf/fit.h"
#include "report/bench.h"
#include "report/report.h"
#include "serving/request_log.h"
#include "serving/simulation.h"
#include "sweep/isolate.h"
#include "util/io.h"
#include "workload/generator.h"

namespace po = boost::program_options;

namespace stacksim {

namespace {

// Measurements of this machine, kept apart from the (deterministic) summaries.
nlohmann::json run_stats(const std::vector<RunSummary>& summaries, const std::vector<ChildResult>& results) {
  nlohmann::json stats = nlohmann::json::array();
  for (size_t i = 0; i < summaries.size(); ++i) {
    const auto& s = summaries[i];
    stats.push_back({{"scenario", s.scenario},
                     {"requests", s.requests.completed + s.requests.rejected},
                     {"simulated_seconds", s.simulated_seconds},
                     {"chips", s.layout.chips},
                     {"simgrid_activities", s.engine.simgrid_activities},
                     {"wall_seconds", results[i].wall_seconds},
                     {"peak_rss_mb", results[i].peak_rss_mb}});
  }
  return stats;
}

// --requests: the simulations' part files into FILE once every one succeeded; otherwise
// the parts go and nothing is written.
void assemble_requests(const std::string& path, const std::vector<std::string>& parts,
                       const std::vector<ChildResult>& results) {
  bool all_ok = true;
  for (const ChildResult& r : results) all_ok = all_ok && r.ok;
  if (all_ok) {
    concat_atomic(path, std::string(RequestLog::header()) + "\n", parts);
    return;
  }
  for (const std::string& p : parts) std::remove(p.c_str());
}

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
  po::options_description opts("Options of `stacksim run [SCENARIO.yaml]`");
  opts.add_options()("output,o", po::value<std::string>(), "write the summaries as JSON to FILE (written atomically)")(
      "jobs,j", po::value<int>()->default_value(1), "simulations to run at once (one process each)")(
      "quiet,q", "do not print the table")(
      "requests", po::value<std::string>(),
      "write a CSV row per request (times, tokens, instances, retries, preemptions, status) to FILE")(
      "bench-json", po::value<std::string>(),
      "write the results as `vllm bench serve` does (its keys and units; a list for variants) to FILE")(
      "stats", po::value<std::string>(),
      "write each simulation's wall seconds, peak RSS and SimGrid activities as JSON to FILE (for bench/)");
  const ScenarioArgs a =
      parse_scenario_args("run",
                          "Simulates the scenario (each of its variants in its own process) and prints\n"
                          "throughput, TTFT/TPOT/E2E percentiles, KV-cache use, chip-hours and dollars per\n"
                          "million tokens side by side. Without SCENARIO.yaml runs " +
                              data_dir() + "/scenarios/default.yaml.\n",
                          args, opts);
  if (a.help) return 0;
  const int jobs = jobs_option(a.vm);

  const std::vector<Scenario> scenarios = load_fitting_scenarios(a.path, a.overrides);
  // Generators are built here, before any process forks, so that bad traces are
  // reported as input errors.
  std::vector<std::unique_ptr<Generator>> generators;
  for (const auto& sc : scenarios) generators.push_back(make_generator(sc.workload, sc.seed));
  for (const char* o : {"output", "stats", "bench-json", "requests"})
    if (a.vm.count(o)) check_writable(a.vm[o].as<std::string>());

  // Per-request records: each simulation streams its rows to a part file of its own.
  std::vector<std::string> parts;
  if (a.vm.count("requests"))
    for (size_t i = 0; i < scenarios.size(); ++i) parts.push_back(part_name(a.vm["requests"].as<std::string>(), i));
  std::vector<std::function<std::string()>> tasks;
  for (size_t i = 0; i < scenarios.size(); ++i)
    tasks.push_back([&, i] {
      return nlohmann::json(simulate(scenarios[i], std::move(generators[i]), parts.empty() ? "" : parts[i])).dump();
    });
  const std::vector<ChildResult> results = run_isolated(tasks, jobs);
  if (!parts.empty()) assemble_requests(a.vm["requests"].as<std::string>(), parts, results);

  std::vector<RunSummary> summaries;
  std::vector<double> wall;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok) throw RunFailure("scenario " + scenarios[i].name + ": " + results[i].error);
    summaries.push_back(nlohmann::json::parse(results[i].output).get<RunSummary>());
    wall.push_back(results[i].wall_seconds);
  }
  if (!a.vm.count("quiet")) print_table(std::cout, summaries, wall);
  if (a.vm.count("stats"))
    write_file_atomic(a.vm["stats"].as<std::string>(), run_stats(summaries, results).dump(2) + "\n");
  if (a.vm.count("bench-json"))
    write_file_atomic(a.vm["bench-json"].as<std::string>(), vllm_bench_document(summaries).dump(2) + "\n");
  if (a.vm.count("output")) {
    const nlohmann::json doc = {{"stacksim_version", kVersion}, {"scenario_file", a.path}, {"scenarios", summaries}};
    write_file_atomic(a.vm["output"].as<std::string>(), doc.dump(2) + "\n");
  }
  return 0;
}

}  // namespace stacksim
