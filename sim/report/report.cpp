#include "report/report.h"

#include "util/table.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>

namespace stacksim {

namespace {

using nlohmann::json;


// Milliseconds with 3 significant-ish digits.
std::string ms(double s) { return s >= 10 ? strprintf("%.0f", s * 1e3) : strprintf("%.1f", s * 1e3); }

struct Row {
  std::string label;
  std::function<std::string(const json&)> cell;
};

const json& at(const json& j, std::initializer_list<const char*> path) {
  const json* p = &j;
  for (const char* k : path) p = &p->at(k);
  return *p;
}

double num(const json& j, std::initializer_list<const char*> path) { return at(j, path).get<double>(); }

std::vector<Row> rows() {
  auto lat = [](const char* metric, const char* q) {
    return [=](const json& j) { return ms(num(j, {"latency_s", metric, q})); };
  };
  return {
      {"platform", [](const json& j) { return at(j, {"platform"}).get<std::string>(); }},
      {"model", [](const json& j) { return at(j, {"model"}).get<std::string>(); }},
      {"workload", [](const json& j) { return at(j, {"workload"}).get<std::string>(); }},
      {"chips (instances x chips)",
       [](const json& j) {
         std::string s = std::to_string(at(j, {"layout", "chips"}).get<int>()) + " (";
         const json& pools = at(j, {"pools"});
         for (size_t i = 0; i < pools.size(); ++i) {
           const std::string role = pools[i].at("role").get<std::string>();
           if (i) s += " + ";
           if (role != "colocated") s += role == "prefill" ? "P " : "D ";
           s += std::to_string(pools[i].at("instances").get<int>()) + "x" +
                std::to_string(pools[i].at("chips_per_instance").get<int>());
         }
         return s + ")";
       }},
      {"requests done / generated",
       [](const json& j) {
         return std::to_string(at(j, {"requests", "completed"}).get<long long>()) + " / " +
                std::to_string(at(j, {"requests", "generated"}).get<long long>());
       }},
      {"rejected / in flight",
       [](const json& j) {
         return std::to_string(at(j, {"requests", "rejected"}).get<long long>()) + " / " +
                std::to_string(at(j, {"requests", "in_flight"}).get<long long>());
       }},
      {"simulated time (s)", [](const json& j) { return strprintf("%.1f", num(j, {"simulated_seconds"})); }},
      {"throughput (req/s)", [](const json& j) { return strprintf("%.2f", num(j, {"throughput", "requests_per_s"})); }},
      {"input tok/s", [](const json& j) { return strprintf("%.0f", num(j, {"throughput", "input_tokens_per_s"})); }},
      {"output tok/s", [](const json& j) { return strprintf("%.0f", num(j, {"throughput", "output_tokens_per_s"})); }},
      {"input tok/s per chip",
       [](const json& j) { return strprintf("%.1f", num(j, {"throughput", "input_tokens_per_s_per_chip"})); }},
      {"output tok/s per chip",
       [](const json& j) { return strprintf("%.1f", num(j, {"throughput", "output_tokens_per_s_per_chip"})); }},
      {"goodput (req/s meeting SLO)",
       [](const json& j) {
         return strprintf("%.2f", num(j, {"goodput", "requests_per_s"})) + " (" +
                strprintf("%.0f%%", 100 * num(j, {"goodput", "slo_attainment"})) + ")";
       }},
      {"TTFT p50 / p90 / p99 (ms)",
       [=](const json& j) { return lat("ttft", "p50")(j) + " / " + lat("ttft", "p90")(j) + " / " + lat("ttft", "p99")(j); }},
      {"TPOT p50 / p90 / p99 (ms)",
       [=](const json& j) { return lat("tpot", "p50")(j) + " / " + lat("tpot", "p90")(j) + " / " + lat("tpot", "p99")(j); }},
      {"E2E p50 / p90 / p99 (s)",
       [](const json& j) {
         return strprintf("%.2f", num(j, {"latency_s", "e2e", "p50"})) + " / " + strprintf("%.2f", num(j, {"latency_s", "e2e", "p90"})) +
                " / " + strprintf("%.2f", num(j, {"latency_s", "e2e", "p99"}));
       }},
      {"KV cache mean / peak use",
       [](const json& j) {
         return strprintf("%.0f%%", 100 * num(j, {"kv_cache", "mean_utilisation"})) + " / " +
                strprintf("%.0f%%", 100 * num(j, {"kv_cache", "peak_utilisation"}));
       }},
      {"batch jobs within deadline",
       [](const json& j) {
         if (!j.contains("jobs")) return std::string("-");
         return std::to_string(at(j, {"jobs", "met_deadline"}).get<long long>()) + " / " +
                std::to_string(at(j, {"jobs", "count"}).get<long long>());
       }},
      {"prefix cache hit rate", [](const json& j) { return strprintf("%.0f%%", 100 * num(j, {"prefix_cache", "hit_rate"})); }},
      {"preemptions", [](const json& j) { return std::to_string(at(j, {"preemption", "count"}).get<long long>()); }},
      {"KV transfer p50 / p99 (ms)",
       [](const json& j) {
         if (at(j, {"kv_transfer_s", "count"}).get<long long>() == 0) return std::string("-");
         return ms(num(j, {"kv_transfer_s", "p50"})) + " / " + ms(num(j, {"kv_transfer_s", "p99"}));
       }},
      {"chip failures / retried requests",
       [](const json& j) {
         return std::to_string(at(j, {"failures", "chip_failures"}).get<long long>()) + " / " +
                std::to_string(at(j, {"failures", "retried_requests"}).get<long long>());
       }},
      {"utilisation (busy chip time)", [](const json& j) { return strprintf("%.0f%%", 100 * num(j, {"cost", "utilisation"})); }},
      {"energy kWh / J per output token",
       [](const json& j) {
         return strprintf("%.1f", num(j, {"cost", "energy_kwh"})) + " / " + strprintf("%.0f", num(j, {"cost", "joules_per_output_token"}));
       }},
      {"chip-hours", [](const json& j) { return strprintf("%.2f", num(j, {"cost", "chip_hours"})); }},
      {"$ per hour", [](const json& j) { return strprintf("%.2f", num(j, {"cost", "usd_per_hour"})); }},
      {"$ per chip-hour", [](const json& j) { return strprintf("%.2f", num(j, {"cost", "usd_per_chip_hour"})); }},
      {"$ per M input tokens", [](const json& j) { return strprintf("%.3f", num(j, {"cost", "usd_per_m_input"})); }},
      {"$ per M output tokens", [](const json& j) { return strprintf("%.3f", num(j, {"cost", "usd_per_m_output"})); }},
  };
}

}  // namespace

void print_table(std::ostream& out, const std::vector<json>& summaries, const std::vector<double>& wall) {
  std::vector<std::string> header{"scenario"};
  for (const auto& s : summaries) header.push_back(s.at("scenario").get<std::string>());
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
