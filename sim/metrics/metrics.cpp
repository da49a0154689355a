#include "metrics/metrics.h"

#include <algorithm>
#include <cmath>

#include "perf/perf_model.h"

namespace stacksim {

Percentiles percentiles(std::vector<double>& v) {
  Percentiles p;
  p.count = static_cast<int64_t>(v.size());
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  p.mean = sum / v.size();
  auto at = [&](double q) {
    const double pos = q * (v.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - lo);
  };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  return p;
}

void MetricsCollector::completed(double arrival, double first_token, double finish, int64_t input, int64_t output) {
  ++completed_;
  input_tokens_ += input;
  output_tokens_ += output;
  ttft_.push_back(first_token - arrival);
  e2e_.push_back(finish - arrival);
  if (output > 1) tpot_.push_back((finish - first_token) / double(output - 1));
  if (first_arrival_ < 0 || arrival < first_arrival_) first_arrival_ = arrival;
  last_finish_ = std::max(last_finish_, finish);
}

int64_t MetricsCollector::rejected_count() const {
  int64_t n = 0;
  for (const auto& [k, v] : rejected_) n += v;
  return n;
}

static nlohmann::json pct_json(const Percentiles& p) {
  return {{"mean", p.mean}, {"p50", p.p50}, {"p90", p.p90}, {"p99", p.p99}, {"count", p.count}};
}

nlohmann::json MetricsCollector::summarize(const Scenario& sc, const InstanceTotals& t, int64_t kv_per_instance,
                                           double end_time, int64_t in_flight) {
  using nlohmann::json;
  const Serving& s = sc.serving;
  const double chips = s.chips;
  // The measurement window runs from t = 0 (the first arrival) to the end of the run.
  const double span = end_time > 0 ? end_time : 1e-30;
  const double instances = s.instances();

  json j;
  j["scenario"] = sc.name;
  j["platform"] = sc.platform.name;
  j["model"] = sc.model.name;
  j["workload"] = sc.workload.name;
  j["seed"] = sc.seed;
  j["layout"] = {{"chips", s.chips},
                 {"instances", s.instances()},
                 {"chips_per_instance", s.chips_per_instance},
                 {"attention_tp", s.attention_tp},
                 {"router", s.router}};

  json rej = json::object();
  for (const auto& [k, v] : rejected_) rej[k] = v;
  j["requests"] = {{"generated", generated_},
                   {"completed", completed_},
                   {"rejected", rejected_count()},
                   {"rejected_by_reason", rej},
                   {"in_flight", in_flight}};
  j["simulated_seconds"] = end_time;

  const double rps = completed_ / span, in_tps = input_tokens_ / span, out_tps = output_tokens_ / span;
  j["throughput"] = {{"requests_per_s", rps},
                     {"input_tokens_per_s", in_tps},
                     {"output_tokens_per_s", out_tps},
                     {"input_tokens_per_s_per_chip", in_tps / chips},
                     {"output_tokens_per_s_per_chip", out_tps / chips}};
  j["latency_s"] = {{"ttft", pct_json(percentiles(ttft_))},
                    {"tpot", pct_json(percentiles(tpot_))},
                    {"e2e", pct_json(percentiles(e2e_))}};

  const double kv_capacity = double(kv_per_instance) * instances;
  j["kv_cache"] = {{"capacity_tokens_per_instance", kv_per_instance},
                   {"mean_utilisation", kv_capacity > 0 ? t.kv_token_seconds / (kv_capacity * span) : 0},
                   {"peak_utilisation", t.kv_peak_fraction},
                   {"overflows", t.kv_overflows}};
  const double busy_fraction = t.busy_time / (instances * span);
  j["engine"] = {{"steps", t.steps},
                 {"busy_fraction", busy_fraction},
                 {"mean_decode_batch_per_instance", t.steps > 0 ? t.batch_seq_steps / t.steps : 0}};

  // Cost: every chip is paid for the whole window. Busy time is split between prefill
  // and decode by the work each step did; idle time follows the same split.
  const Chip& chip = sc.platform.chip;
  const double avg_watts = chip.power_idle + (chip.power_busy - chip.power_idle) * busy_fraction;
  const double chip_seconds = chips * span;
  const double usd_per_chip_s = sc.platform.cost.per_chip_second(avg_watts);
  const double total_usd = chip_seconds * usd_per_chip_s;
  const double work = t.prefill_time + t.decode_time;
  const double prefill_share = work > 0 ? t.prefill_time / work : 0.5;
  j["cost"] = {{"chip_hours", chip_seconds / 3600},
               {"usd_per_chip_hour", usd_per_chip_s * 3600},
               {"usd_per_hour", usd_per_chip_s * 3600 * chips},
               {"usd_total", total_usd},
               {"prefill_share", prefill_share},
               {"usd_per_m_input", input_tokens_ > 0 ? total_usd * prefill_share / input_tokens_ * 1e6 : 0},
               {"usd_per_m_output", output_tokens_ > 0 ? total_usd * (1 - prefill_share) / output_tokens_ * 1e6 : 0},
               {"mean_chip_watts", avg_watts},
               {"energy_kwh", avg_watts * chip_seconds / 3.6e6},
               {"pricing", sc.platform.cost.rental ? "rental" : "ownership"}};
  return j;
}

}  // namespace stacksim
