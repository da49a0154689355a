#include "validate/end_to_end.h"

#include <functional>
#include <nlohmann/json.hpp>

#include "perf/fit.h"
#include "serving/simulation.h"
#include "sweep/isolate.h"
#include "workload/generator.h"

namespace stacksim {

const std::vector<std::string>& end_to_end_metrics() {
  static const std::vector<std::string> names = {"output_tokens_per_s_per_chip",
                                                 "input_tokens_per_s_per_chip",
                                                 "requests_per_s",
                                                 "ttft_ms_p50",
                                                 "ttft_ms_p99",
                                                 "tpot_ms_p50",
                                                 "tpot_ms_p99",
                                                 "e2e_ms_mean",
                                                 "e2e_ms_p50"};
  return names;
}

double end_to_end_metric(const RunSummary& s, const std::string& metric) {
  const auto& l = s.latency_s;
  const std::map<std::string, double> values = {
      {"output_tokens_per_s_per_chip", s.throughput.output_tokens_per_s_per_chip},
      {"input_tokens_per_s_per_chip", s.throughput.input_tokens_per_s_per_chip},
      {"requests_per_s", s.throughput.requests_per_s},
      {"ttft_ms_p50", l.ttft.p50 * 1e3},
      {"ttft_ms_p99", l.ttft.p99 * 1e3},
      {"tpot_ms_p50", l.tpot.p50 * 1e3},
      {"tpot_ms_p99", l.tpot.p99 * 1e3},
      {"e2e_ms_mean", l.e2e.mean * 1e3},
      {"e2e_ms_p50", l.e2e.p50 * 1e3}};
  return values.at(metric);
}

namespace {

// The scenario with the case's overrides, as `stacksim run` would load it.
Scenario case_scenario(const EndToEndCase& c) {
  const std::vector<Scenario> sc = load_fitting_scenarios(c.scenario_file, c.overrides);
  if (sc.size() != 1)
    throw ConfigError(c.file, 0, 0, "scenario", "the scenario lists variants; an end-to-end case runs one");
  return sc.front();
}

}  // namespace

EndToEndCase load_end_to_end_case(const std::string& path) {
  EndToEndCase c;
  c.file = path;
  const YAML::Node root = load_yaml_file(path);
  MapReader r(root, path, "");
  c.id = r.str("case");
  r.choice("kind", {"end_to_end"});
  c.source = r.str("source");
  c.scenario_file = r.file_at("scenario");
  c.overrides = read_case_overrides(r);
  MapReader m = r.child("measured");
  for (const auto& k : end_to_end_metrics())
    if (m.has(k)) c.measured[k] = m.quantity(k, Dimension::Number, 1e-9);
  m.finish();
  if (c.measured.empty()) r.fail("measured", "no end-to-end metric (output_tokens_per_s_per_chip, ttft_ms_p50 ...)");
  c.tolerance = read_tolerance(r, c.measured);
  r.finish();
  c.scenario = case_scenario(c);
  const Scenario& sc = c.scenario;
  c.platform = sc.pools.front().platform.name;
  if (sc.disaggregated() && sc.pools.back().platform.name != c.platform)
    c.platform += " + " + sc.pools.back().platform.name;
  return c;
}

std::vector<EndToEndCase> load_end_to_end_cases(const std::vector<std::string>& paths) {
  std::vector<EndToEndCase> out;
  for (const auto& f : case_files(paths))
    if (is_end_to_end_case(f)) out.push_back(load_end_to_end_case(f));
  return out;
}

std::vector<ValidationRow> validate_end_to_end(const std::vector<EndToEndCase>& cases, int jobs) {
  // Generators are built before any process forks (bad input is reported
  // as such, not as a child's failure); each simulation runs in its own process.
  std::vector<std::unique_ptr<Generator>> generators;
  for (const auto& c : cases) generators.push_back(make_generator(c.scenario.workload, c.scenario.seed));
  std::vector<std::function<std::string()>> tasks;
  for (size_t i = 0; i < cases.size(); ++i)
    tasks.push_back([&, i] { return nlohmann::json(simulate(cases[i].scenario, std::move(generators[i]))).dump(); });
  const std::vector<ChildResult> results = run_isolated(tasks, jobs);
  std::vector<ValidationRow> rows;
  for (size_t i = 0; i < cases.size(); ++i) {
    const EndToEndCase& c = cases[i];
    if (!results[i].ok) throw std::runtime_error("case " + c.id + ": " + results[i].error);
    const RunSummary s = nlohmann::json::parse(results[i].output).get<RunSummary>();
    for (const auto& [metric, measured] : c.measured)
      rows.push_back({c.id, c.platform, metric, end_to_end_metric(s, metric), measured, c.tolerance.at(metric)});
  }
  return rows;
}

}  // namespace stacksim
