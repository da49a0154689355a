#include "validate/from_bench.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/error.h"
#include "perf/fit.h"
#include "serving/simulation.h"
#include "sweep/isolate.h"
#include "util/io.h"
#include "util/json_text.h"
#include "util/table.h"
#include "validate/calibrate.h"
#include "workload/generator.h"

namespace stacksim {

namespace {

using nlohmann::json;

// Python's json.dumps writes float("inf") and NaN as the bare words Infinity and NaN,
// which JSON does not have (SGLang's request_rate of inf): as strings, outside strings.
std::string python_json(const std::string& text) {
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) out += text[++i];
      if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    for (const char* word : {"-Infinity", "Infinity", "NaN"})
      if (text.compare(i, std::strlen(word), word) == 0) {
        out += std::string("\"") + word + "\"";
        i += std::strlen(word) - 1;
        goto next;
      }
    out += c;
  next:;
  }
  return out;
}

// The result object: the whole file, or its last non-empty line (SGLang appends a line
// per run). `line`: its line number (1 for a whole-file object).
json parse_result(const std::string& path, const std::string& text, int* line) {
  const std::string clean = python_json(text);
  std::string last;
  int n = 0;
  *line = 1;
  std::istringstream in(clean);
  for (std::string l; std::getline(in, l);) {
    ++n;
    if (l.find_first_not_of(" \t\r") != std::string::npos) last = l, *line = n;
  }
  for (const std::string* candidate : {&clean, static_cast<const std::string*>(&last)}) {
    json doc = json::parse(*candidate, nullptr, false);
    if (!doc.is_discarded() && doc.is_object()) {
      if (candidate == &clean) *line = 1;
      return doc;
    }
  }
  throw ConfigError(path, *line, 1, "", "not a benchmark result: neither a JSON object nor JSON lines of objects");
}

struct Reader {
  const std::string& path;
  int line;
  const json& doc;
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw ConfigError(path, line, 1, key, what);  // the line's object
  }
  // A number (or "inf"); `fallback` when absent or null, an error when required.
  double number(const std::string& key, bool required, double fallback = 0) const {
    if (!doc.contains(key) || doc[key].is_null()) {
      if (required) fail(key, "missing (the benchmark's result has it)");
      return fallback;
    }
    const json& v = doc[key];
    if (v.is_number()) return v.get<double>();
    if (v.is_string() && (v == "inf" || v == "Infinity")) return std::numeric_limits<double>::infinity();
    fail(key, "expected a number, found " + json_text(v));
  }
};

// Mean, coefficient of variation, min and max of a per-request list (zeros left out:
// failed requests).
bool list_stats(const json& doc, const std::string& key, double* mean, double* cv, int64_t* lo, int64_t* hi) {
  if (!doc.contains(key) || !doc[key].is_array()) return false;
  double s = 0, s2 = 0;
  int64_t n = 0;
  *lo = std::numeric_limits<int64_t>::max();
  *hi = 0;
  for (const json& v : doc[key]) {
    if (!v.is_number() || v.get<double>() <= 0) continue;
    const double x = v.get<double>();
    s += x, s2 += x * x, ++n;
    *lo = std::min(*lo, int64_t(x));
    *hi = std::max(*hi, int64_t(std::ceil(x)));
  }
  if (n == 0) return false;
  *mean = s / double(n);
  *cv = std::sqrt(std::max(0.0, s2 / double(n) - *mean * *mean)) / *mean;
  return true;
}

void read_lengths(const Reader& r, BenchResult* b) {
  const double done = double(b->requests);
  b->input_mean = r.number("total_input_tokens", true) / done;
  b->output_mean = r.number("total_output_tokens", true) / done;
  b->input_min = b->input_max = std::llround(b->input_mean);
  b->output_min = b->output_max = std::llround(b->output_mean);
  double m;
  // Per-request lengths (vLLM always; SGLang with --output-details) give the spread.
  if (list_stats(r.doc, "input_lens", &m, &b->input_cv, &b->input_min, &b->input_max)) b->input_mean = m;
  if (list_stats(r.doc, "output_lens", &m, &b->output_cv, &b->output_min, &b->output_max)) b->output_mean = m;
  if (b->input_mean < 1 || b->output_mean < 1) r.fail("total_output_tokens", "less than one token per request");
}

void read_measured(const Reader& r, BenchResult* b) {
  const bool vllm = b->format == "vllm";
  const std::vector<std::pair<const char*, std::string>> keys = {
      {"requests_per_s", "request_throughput"},
      {"ttft_ms_p50", "median_ttft_ms"},
      {"ttft_ms_p99", "p99_ttft_ms"},
      {"tpot_ms_p50", "median_tpot_ms"},
      {"tpot_ms_p99", "p99_tpot_ms"},
      {"e2e_ms_mean", vllm ? "mean_e2el_ms" : "mean_e2e_latency_ms"},
      {"e2e_ms_p50", vllm ? "median_e2el_ms" : "median_e2e_latency_ms"}};
  for (const auto& [metric, key] : keys) {
    const double v = r.number(key, false, -1);
    if (v > 0 && std::isfinite(v)) b->measured[metric] = v;  // SGLang prints -0.00 for an empty TPOT
  }
  b->output_throughput = r.number("output_throughput", true);
  if (!(b->output_throughput > 0)) r.fail("output_throughput", "must be more than 0");
}

std::string describe(const BenchResult& b) {
  std::ostringstream d;
  d << (b.format == "vllm" ? "vllm bench serve" : "SGLang bench_serving") << ", " << b.requests << " requests ";
  if (b.request_rate > 0) {
    d << strprintf("at %.4g/s ", b.request_rate)
      << (b.burstiness == 1 ? "(Poisson)" : strprintf("(gamma, burstiness %.3g)", b.burstiness));
    if (b.max_concurrency > 0) d << ", at most " << b.max_concurrency << " at once (not modelled: a stream has no cap)";
  } else {
    d << (b.max_concurrency > 0 ? "kept " + std::to_string(b.max_concurrency) + " at once" : "all at once");
  }
  d << strprintf(", %.0f / %.0f tokens in / out on average", b.input_mean, b.output_mean);
  return d.str();
}

}  // namespace

BenchResult read_bench_result(const std::string& path) {
  std::string text;
  if (!read_text(path, &text)) throw ConfigError(path, 0, 0, "", "cannot read the file");
  int line = 1;
  const json doc = parse_result(path, text, &line);
  const Reader r{path, line, doc};
  BenchResult b;
  b.file = path;
  if (doc.contains("mean_e2el_ms") || doc.contains("num_prompts") || doc.contains("endpoint_type"))
    b.format = "vllm";
  else if (doc.contains("mean_e2e_latency_ms"))
    b.format = "sglang";
  else
    r.fail("",
           "neither a `vllm bench serve` result (mean_e2el_ms) nor an SGLang bench_serving one "
           "(mean_e2e_latency_ms)");
  const double rate = r.number("request_rate", true);
  if (!(rate > 0)) r.fail("request_rate", "must be more than 0 (or inf)");
  b.request_rate = std::isfinite(rate) ? rate : 0;
  b.burstiness = r.number("burstiness", false, 1);
  if (!(b.burstiness > 0) || !std::isfinite(b.burstiness)) r.fail("burstiness", "must be a positive number");
  const double cap = r.number("max_concurrency", false, 0);
  if (cap < 0 || cap > 1e7 || cap != std::floor(cap)) r.fail("max_concurrency", "expected a whole number of requests");
  b.max_concurrency = int64_t(cap);
  const double done = r.number("completed", true);
  if (!(done >= 1) || done > 1e8 || done != std::floor(done)) r.fail("completed", "expected a whole number >= 1");
  b.requests = int64_t(done);
  read_lengths(r, &b);
  read_measured(r, &b);
  b.describe = describe(b);
  return b;
}

namespace {

std::string lengths_yaml(double mean, double cv, int64_t lo, int64_t hi) {
  if (cv < 1e-9 || lo == hi)
    return strprintf("{distribution: fixed, value: %lld}", static_cast<long long>(std::llround(mean)));
  return strprintf("{distribution: lognormal, mean: %.6g, cv: %.6g, min: %lld, max: %lld}", mean, cv,
                   static_cast<long long>(lo), static_cast<long long>(hi));
}

// The bench's load as a workload mapping (flow YAML, one line).
std::string workload_yaml(const BenchResult& b) {
  const std::string lengths =
      "input_tokens: " + lengths_yaml(b.input_mean, b.input_cv, b.input_min, b.input_max) +
      ", output_tokens: " + lengths_yaml(b.output_mean, b.output_cv, b.output_min, b.output_max);
  const std::string n = std::to_string(b.requests);
  if (b.request_rate > 0) {
    const std::string arrival = b.burstiness == 1 ? strprintf("{type: poisson, rate: %.10g/s}", b.request_rate)
                                                  : strprintf("{type: gamma, rate: %.10g/s, cv: %.6g}", b.request_rate,
                                                              1 / std::sqrt(b.burstiness));
    return "{name: bench, type: stream, arrival: " + arrival + ", requests: " + n + ", " + lengths + "}";
  }
  // No rate: a closed loop of the concurrency cap (or every request at once).
  const int64_t users = b.max_concurrency > 0 ? std::min(b.max_concurrency, b.requests) : b.requests;
  return "{name: bench, type: closed_loop, users: " + std::to_string(users) + ", requests: " + n + ", " + lengths + "}";
}

}  // namespace

EndToEndCase bench_case(const BenchResult& b, const std::string& scenario_file, double tolerance) {
  EndToEndCase c;
  c.id = std::filesystem::path(b.file).stem().string();
  c.source = b.describe + " (" + b.file + ")";
  c.file = b.file;
  c.scenario_file = scenario_file;
  c.overrides = {{"workload", workload_yaml(b)}};
  const std::vector<Scenario> sc = load_fitting_scenarios(scenario_file, c.overrides);
  if (sc.size() != 1)
    throw ConfigError(scenario_file, 0, 0, "variants", "the scenario lists variants; a benchmark is one deployment");
  c.scenario = sc.front();
  c.platform = c.scenario.pools.front().platform.name;
  c.measured = b.measured;
  c.measured["output_tokens_per_s_per_chip"] = b.output_throughput / double(c.scenario.total_chips());
  for (const auto& [metric, v] : c.measured) c.tolerance[metric] = tolerance;
  return c;
}

std::string bench_case_yaml(const EndToEndCase& c, const BenchResult& b, const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::absolute(path).parent_path();
  std::ostringstream y;
  y << "# Written by `stacksim calibrate --from-bench` from a benchmark measured on the cluster that the\n"
    << "# scenario describes: " << b.describe << ".\n# The workload is the benchmark's load; lengths "
    << (b.input_cv > 0 || b.output_cv > 0 ? "fitted as lognormal to the per-request lengths it lists"
                                          : "at the run's means (ASSUMPTION: the file gives totals only)")
    << ".\ncase: " << json(c.id).dump() << "\nkind: end_to_end\nsource: " << json(c.source).dump()
    << "\nscenario: " << json(fs::relative(fs::absolute(c.scenario_file), dir).string()).dump()
    << "\nset:\n  workload: " << c.overrides.front().second << "\nmeasured:\n";
  for (const auto& [metric, v] : c.measured) y << "  " << metric << ": " << strprintf("%.6g", v) << "\n";
  y << "tolerance: " << strprintf("%.4g", c.tolerance.begin()->second) << "\n";
  return y.str();
}

std::map<std::string, double> simulate_bench_case(const EndToEndCase& c, const std::vector<const StackParam*>& params,
                                                  const std::vector<double>& values) {
  Scenario sc = c.scenario;
  const std::string stack = sc.pools.front().platform.stack.name;
  for (PoolSpec& p : sc.pools)
    if (p.platform.stack.name == stack)
      for (size_t i = 0; i < params.size(); ++i) p.platform.stack.*(params[i]->field) = values[i];
  const auto results =
      run_isolated({[&] { return json(simulate(sc, make_generator(sc.workload, sc.seed))).dump(); }}, 1);
  if (!results[0].ok) throw std::runtime_error("simulating " + c.scenario_file + ": " + results[0].error);
  const RunSummary s = json::parse(results[0].output).get<RunSummary>();
  std::map<std::string, double> out;
  for (const auto& [metric, v] : c.measured) out[metric] = end_to_end_metric(s, metric);
  return out;
}

namespace {

double rms_log(const std::map<std::string, double>& sim, const std::map<std::string, double>& measured) {
  double sum = 0;
  for (const auto& [metric, v] : measured) {
    const double e = sim.at(metric) > 0 ? std::log(sim.at(metric) / v) : 10.0;  // nothing completed: far off
    sum += e * e;
  }
  return std::sqrt(sum / double(measured.size()));
}

}  // namespace

BenchFit fit_to_bench(const EndToEndCase& c, const std::vector<const StackParam*>& params, int max_evaluations) {
  BenchFit f;
  f.params = params;
  const Stack& stack = c.scenario.pools.front().platform.stack;
  for (const StackParam* p : params) f.start.push_back(stack.*(p->field));
  f.before = simulate_bench_case(c, params, f.start);
  f.rms_before = rms_log(f.before, c.measured);
  f.fitted = f.start;
  f.after = f.before;
  f.rms_after = f.rms_before;
  f.evaluations = 1;
  if (params.empty()) return f;
  // Nelder-Mead over the logarithms; a value past its bounds is penalised, not evaluated.
  auto objective = [&](const std::vector<double>& x) {
    std::vector<double> v;
    double penalty = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double lo = std::log(std::max(params[i]->min, 1e-9)), hi = std::log(params[i]->max);
      const double clamped = std::min(hi, std::max(lo, x[i]));
      penalty += 1e3 * (x[i] - clamped) * (x[i] - clamped);
      v.push_back(std::exp(clamped));
    }
    const double r = rms_log(simulate_bench_case(c, params, v), c.measured);
    return r * r + penalty;
  };
  std::vector<double> x0;
  for (double v : f.start) x0.push_back(std::log(std::max(v, 1e-9)));
  int evals = 0;
  const std::vector<double> x = nelder_mead(objective, x0, 0.1, max_evaluations, &evals);
  f.evaluations += evals;
  for (size_t i = 0; i < x.size(); ++i)
    f.fitted[i] =
        std::exp(std::min(std::log(params[i]->max), std::max(std::log(std::max(params[i]->min, 1e-9)), x[i])));
  f.after = simulate_bench_case(c, params, f.fitted);
  f.rms_after = rms_log(f.after, c.measured);
  ++f.evaluations;
  return f;
}

}  // namespace stacksim
