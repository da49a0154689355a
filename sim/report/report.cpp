#include "report/report.h"

#include <functional>

#include "util/table.h"

namespace stacksim {

namespace {

using S = RunSummary;

// Milliseconds with 3 significant-ish digits.
std::string ms(double s) { return s >= 10 ? strprintf("%.0f", s * 1e3) : strprintf("%.1f", s * 1e3); }
std::string pct(double fraction) { return strprintf("%.0f%%", 100 * fraction); }
std::string count(int64_t n) { return std::to_string(static_cast<long long>(n)); }
std::string pair(const std::string& a, const std::string& b) { return a + " / " + b; }
// A latency's percentiles; "-" when no request measured it.
std::string triple(const LatencyStats& l, const std::function<std::string(double)>& f) {
  if (l.count == 0) return "-";
  return f(l.p50) + " / " + f(l.p90) + " / " + f(l.p99);
}
// A price per million tokens; "-" when no token was served to divide by.
std::string per_m(double usd, double tokens) { return tokens > 0 ? strprintf("%.3f", usd) : std::string("-"); }

std::string layout(const S& s) {
  std::string out = std::to_string(s.layout.chips) + " (";
  for (size_t i = 0; i < s.pools.size(); ++i) {
    const S::Pool& p = s.pools[i];
    if (i) out += " + ";
    if (p.role != "colocated") out += p.role == "prefill" ? "P " : "D ";
    out += std::to_string(p.instances) + "x" + std::to_string(p.chips_per_instance);
  }
  return out + ")";
}

struct Row {
  std::string label;
  std::function<std::string(const S&)> cell;
};

// The rows of the cost and energy section.
std::vector<Row> cost_rows() {
  return {
      {"utilisation (busy chip time)", [](const S& s) { return pct(s.cost.utilisation); }},
      {"energy kWh / J per output token",
       [](const S& s) {
         return pair(strprintf("%.1f", s.cost.energy_kwh), s.throughput.output_tokens_per_s > 0
                                                               ? strprintf("%.0f", s.cost.joules_per_output_token)
                                                               : std::string("-"));
       }},
      {"chip-hours", [](const S& s) { return strprintf("%.2f", s.cost.chip_hours); }},
      {"$ per hour", [](const S& s) { return strprintf("%.2f", s.cost.usd_per_hour) + " " + s.cost.pricing; }},
      {"$ per hour, other basis",
       [](const S& s) {
         return s.cost.other_pricing.empty()
                    ? std::string("none given")
                    : strprintf("%.2f", s.cost.other_usd_per_hour) + " " + s.cost.other_pricing;
       }},
      {"$ per chip-hour", [](const S& s) { return strprintf("%.2f", s.cost.usd_per_chip_hour); }},
      {"$ per M input / output at this load",
       [](const S& s) {
         return pair(per_m(s.steady_state.usd_per_m_input, s.steady_state.input_tokens_per_s),
                     per_m(s.steady_state.usd_per_m_output, s.steady_state.output_tokens_per_s));
       }},
      {"$ per M input miss / hit, at load",
       [](const S& s) {
         const double in = s.steady_state.input_tokens_per_s;
         return pair(per_m(s.steady_state.usd_per_m_input_cache_miss, in),
                     per_m(s.steady_state.usd_per_m_input_cache_hit, in));
       }},
      {"$ per M input / output, whole run",
       [](const S& s) {
         return pair(per_m(s.cost.usd_per_m_input, s.throughput.input_tokens_per_s),
                     per_m(s.cost.usd_per_m_output, s.throughput.output_tokens_per_s));
       }},
  };
}

const std::vector<Row>& rows() {
  auto f = [](const char* format) { return [=](double x) { return strprintf(format, x); }; };
  static const std::vector<Row> r = [&] {
    std::vector<Row> v = {
        {"platform", [](const S& s) { return s.platform; }},
        {"model", [](const S& s) { return s.model; }},
        {"workload", [](const S& s) { return s.workload; }},
        {"chips (instances x chips)", layout},
        {"requests done / generated",
         [](const S& s) { return pair(count(s.requests.completed), count(s.requests.generated)); }},
        {"rejected / in flight",
         [](const S& s) { return pair(count(s.requests.rejected), count(s.requests.in_flight)); }},
        {"simulated time (s)", [](const S& s) { return strprintf("%.1f", s.simulated_seconds); }},
        {"throughput (req/s)", [](const S& s) { return strprintf("%.2f", s.throughput.requests_per_s); }},
        {"input tok/s", [](const S& s) { return strprintf("%.0f", s.throughput.input_tokens_per_s); }},
        {"output tok/s", [](const S& s) { return strprintf("%.0f", s.throughput.output_tokens_per_s); }},
        {"input tok/s per chip",
         [](const S& s) { return strprintf("%.1f", s.throughput.input_tokens_per_s_per_chip); }},
        {"output tok/s per chip",
         [](const S& s) { return strprintf("%.1f", s.throughput.output_tokens_per_s_per_chip); }},
        {"goodput (req/s meeting SLO)",
         [](const S& s) {
           return strprintf("%.2f", s.goodput.requests_per_s) + " (" + pct(s.goodput.slo_attainment) + ")";
         }},
        {"steady window (s) / its requests",
         [](const S& s) {
           return strprintf("%.0f-%.0f", s.steady_state.start_s, s.steady_state.end_s) + " / " +
                  count(s.steady_state.requests);
         }},
        {"window TTFT p50 / p90 / p99 (ms)", [](const S& s) { return triple(s.steady_state.ttft, ms); }},
        {"window TPOT p50 / p90 / p99 (ms)", [](const S& s) { return triple(s.steady_state.tpot, ms); }},
        {"window ITL p50 / p90 / p99 (ms)", [](const S& s) { return triple(s.steady_state.itl, ms); }},
        {"TTFT p50 / p90 / p99 (ms)", [](const S& s) { return triple(s.latency_s.ttft, ms); }},
        {"TPOT p50 / p90 / p99 (ms)", [](const S& s) { return triple(s.latency_s.tpot, ms); }},
        {"E2E p50 / p90 / p99 (s)", [f](const S& s) { return triple(s.latency_s.e2e, f("%.2f")); }},
        {"KV cache mean / peak use",
         [](const S& s) { return pair(pct(s.kv_cache.mean_utilisation), pct(s.kv_cache.peak_utilisation)); }},
        {"batch jobs within deadline",
         [](const S& s) {
           return s.jobs ? pair(count(s.jobs->met_deadline), count(s.jobs->count)) : std::string("-");
         }},
        {"prefix cache hit rate", [](const S& s) { return pct(s.prefix_cache.hit_rate); }},
        {"preemptions", [](const S& s) { return count(s.preemption.count); }},
        {"KV transfer p50 / p99 (ms)",
         [](const S& s) {
           return s.kv_transfer_s.count == 0 ? std::string("-")
                                             : pair(ms(s.kv_transfer_s.p50), ms(s.kv_transfer_s.p99));
         }},
        {"chip failures / retried requests",
         [](const S& s) { return pair(count(s.failures.chip_failures), count(s.failures.retried_requests)); }},
    };
    for (Row& row : cost_rows()) v.push_back(std::move(row));
    return v;
  }();
  return r;
}

}  // namespace

void print_table(std::ostream& out, const std::vector<RunSummary>& summaries, const std::vector<double>& wall) {
  std::vector<std::string> header{"scenario"};
  for (const auto& s : summaries) header.push_back(s.scenario);
  Table t(header);
  for (const auto& r : rows()) {
    std::vector<std::string> row{r.label};
    for (const auto& s : summaries) row.push_back(r.cell(s));
    t.add(row);
  }
  if (!wall.empty()) {
    std::vector<std::string> row{"wall time (s)"};
    for (double w : wall) row.push_back(strprintf("%.2f", w));
    t.add(row);
  }
  out << t;
}

}  // namespace stacksim
