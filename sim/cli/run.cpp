// `stacksim run`: simulate a scenario's variants, each in its own process, and print them
// side by side.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/commands.h"
#include "config/units.h"
#include "perf/fit.h"
#include "report/bench.h"
#include "report/report.h"
#include "serving/request_log.h"
#include "serving/simulation.h"
#include "serving/timeline.h"
#include "serving/trace.h"
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
                     {"calendar_events", s.engine.calendar_events},
                     {"events", s.engine.events},
                     {"simgrid_activities", s.engine.simgrid_activities},
                     {"activities", s.engine.activities},
                     {"wall_seconds", results[i].wall_seconds},
                     {"peak_rss_mb", results[i].peak_rss_mb}});
  }
  return stats;
}

// A file the simulations stream to (--requests, --timeline, --trace): each writes a part
// of its own; the parts are joined into the file once every simulation succeeded,
// otherwise they go and nothing is written.
struct Streamed {
  std::string path, head, tail;
  std::vector<std::string> parts;
  Streamed(const po::variables_map& vm, const char* option, size_t n, std::string head_, std::string tail_ = "")
      : head(std::move(head_)), tail(std::move(tail_)) {
    if (!vm.count(option)) return;
    path = vm[option].as<std::string>();
    for (size_t i = 0; i < n; ++i) parts.push_back(part_name(path, i));
  }
  std::string part(size_t i) const { return parts.empty() ? std::string() : parts[i]; }
  void assemble(const std::vector<ChildResult>& results) const {
    if (parts.empty()) return;
    bool all_ok = true;
    for (const ChildResult& r : results) all_ok = all_ok && r.ok;
    if (all_ok) {
      concat_atomic(path, head, parts, tail);
      return;
    }
    for (const std::string& p : parts) std::remove(p.c_str());
  }
};

// A duration option ("1s", "500ms"), in seconds. Throws UsageError.
double seconds_option(const std::string& option, const std::string& text) {
  std::string why;
  const auto v = parse_quantity(text, Dimension::Time, &why);
  if (!v || !std::isfinite(*v) || *v < 0) throw UsageError(option + " " + text + ": not a duration (" + why + ")");
  return *v;
}

// --timeline-interval and --trace-window into the outputs every simulation shares.
RunOutputs output_options(const po::variables_map& vm) {
  RunOutputs o;
  o.timeline_interval = seconds_option("--timeline-interval", vm["timeline-interval"].as<std::string>());
  if (o.timeline_interval <= 0) throw UsageError("--timeline-interval must be more than 0 s");
  const std::string w = vm["trace-window"].as<std::string>();
  const size_t colon = w.find(':');
  if (colon == std::string::npos) throw UsageError("--trace-window " + w + ": expected FROM:TO (e.g. 60s:70s)");
  o.trace_from = seconds_option("--trace-window", w.substr(0, colon));
  o.trace_to = seconds_option("--trace-window", w.substr(colon + 1));
  if (o.trace_to <= o.trace_from) throw UsageError("--trace-window " + w + ": TO must be after FROM");
  o.step_by_step = vm.count("step-by-step") > 0;
  if (const char* every = std::getenv("STACKSIM_PROGRESS_INTERVAL"))
    o.progress_every = seconds_option("STACKSIM_PROGRESS_INTERVAL", every);
  return o;
}

// The progress display: none with -q; a redrawn line on a terminal when one simulation
// runs at a time; plain lines otherwise.
ProgressMode progress_mode(const po::variables_map& vm, size_t simulations, int jobs) {
  if (vm.count("quiet")) return ProgressMode::None;
  if (isatty(STDERR_FILENO) && (simulations == 1 || jobs == 1)) return ProgressMode::Terminal;
  return ProgressMode::Lines;
}

po::options_description run_options() {
  po::options_description opts("Options of `stacksim run [SCENARIO.yaml]`");
  opts.add_options()("output,o", po::value<std::string>(), "write the summaries as JSON to FILE (written atomically)")(
      "jobs,j", po::value<int>()->default_value(1), "simulations to run at once (one process each)")(
      "quiet,q", "print neither the table nor the progress")(
      "requests", po::value<std::string>(),
      "write a CSV row per request (times, tokens, instances, retries, preemptions, status) to FILE")(
      "timeline", po::value<std::string>(),
      "write a CSV row per interval and pool (arrivals, completions, queue, batch, tokens/s, KV use, power, cost) "
      "to FILE")("timeline-interval", po::value<std::string>()->default_value("1s"), "the timeline's interval")(
      "trace", po::value<std::string>(),
      "write the steps, KV transfers, failures and preemptions as Chrome trace events (Perfetto) to FILE")(
      "trace-window", po::value<std::string>()->default_value("0s:10s"),
      "the simulated time the trace covers, FROM:TO (events starting in it)")(
      "bench-json", po::value<std::string>(),
      "write the results as `vllm bench serve` does (its keys and units; a list for variants) to FILE")(
      "stats", po::value<std::string>(),
      "write each simulation's wall seconds, peak RSS, calendar events and SimGrid activities as JSON to FILE (for "
      "bench/)")("step-by-step",
                 "simulate every decode step as its own event, without coalesced decode (slower; for comparing "
                 "the two)");
  return opts;
}

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
  po::options_description opts = run_options();
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
  RunOutputs shared = output_options(a.vm);
  shared.progress = progress_mode(a.vm, scenarios.size(), jobs);
  for (const char* o : {"output", "stats", "bench-json", "requests", "timeline", "trace"})
    if (a.vm.count(o)) check_writable(a.vm[o].as<std::string>());

  const size_t n = scenarios.size();
  const Streamed requests(a.vm, "requests", n, std::string(RequestLog::header()) + "\n");
  const Streamed timeline(a.vm, "timeline", n, std::string(Timeline::header()) + "\n");
  const Streamed trace(a.vm, "trace", n, trace_head(), trace_tail(shared.trace_from, shared.trace_to));
  std::vector<std::function<std::string()>> tasks;
  for (size_t i = 0; i < n; ++i)
    tasks.push_back([&, i] {
      RunOutputs out = shared;
      out.requests_csv = requests.part(i);
      out.timeline_csv = timeline.part(i);
      out.trace_json = trace.part(i);
      out.trace_index = i;
      return nlohmann::json(simulate(scenarios[i], std::move(generators[i]), out)).dump();
    });
  const std::vector<ChildResult> results = run_isolated(tasks, jobs);
  for (const Streamed* s : {&requests, &timeline, &trace}) s->assemble(results);

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
