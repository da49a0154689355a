#include "metrics/metrics.h"

#include <algorithm>
#include <cmath>

#include "perf/perf_model.h"

namespace stacksim {

namespace {

// Fills p50/p90/p99 (and the CDF) of n sorted values, the i-th smallest being value(i),
// interpolating linearly between closest ranks (as numpy's default).
template <typename Value>
void fill_percentiles(Percentiles* p, int64_t n, Value value, bool with_cdf) {
  auto at = [&](double q) {
    const double pos = q * double(n - 1);
    const int64_t lo = static_cast<int64_t>(std::floor(pos));
    const int64_t hi = std::min(lo + 1, n - 1);
    const double a = value(lo), b = value(hi);
    return a + (b - a) * (pos - double(lo));
  };
  p->p50 = at(0.50);
  p->p90 = at(0.90);
  p->p99 = at(0.99);
  if (with_cdf)
    for (int q = 0; q <= 100; ++q) p->cdf.push_back(at(q / 100.0));
}

}  // namespace

Percentiles percentiles(std::vector<double>& v, bool with_cdf) {
  Percentiles p;
  p.count = static_cast<int64_t>(v.size());
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  p.mean = sum / v.size();
  fill_percentiles(&p, p.count, [&](int64_t i) { return v[size_t(i)]; }, with_cdf);
  return p;
}

void Samples::add(double x) {
  ++n_;
  sum_ += x;
  if (!folded_) {
    exact_.push_back(x);
    if (exact_.size() <= limit_) return;
    folded_ = true;
    for (double v : exact_) fold(v);
    std::vector<double>().swap(exact_);
    return;
  }
  fold(x);
}

void Samples::fold(double x) {
  const int64_t key = x > 0 ? static_cast<int64_t>(std::floor(std::log(x) / std::log(kRatio))) : kZero;
  ++buckets_[key];
}

double Samples::at_rank(int64_t rank) const {
  int64_t seen = 0;
  for (const auto& [key, count] : buckets_) {
    seen += count;
    if (rank < seen) return key == kZero ? 0.0 : std::pow(kRatio, double(key) + 0.5);
  }
  return buckets_.empty() ? 0.0 : std::pow(kRatio, double(buckets_.rbegin()->first) + 0.5);
}

Percentiles Samples::percentiles(bool with_cdf) {
  if (!folded_) return stacksim::percentiles(exact_, with_cdf);
  Percentiles p;
  p.count = n_;
  p.mean = sum_ / double(n_);
  fill_percentiles(&p, n_, [this](int64_t rank) { return at_rank(rank); }, with_cdf);
  return p;
}

void InstanceTotals::add(const InstanceTotals& o) {
  steps += o.steps;
  waits += o.waits;
  busy_time += o.busy_time;
  prefill_time += o.prefill_time;
  decode_time += o.decode_time;
  kv_token_seconds += o.kv_token_seconds;
  kv_peak_fraction = std::max(kv_peak_fraction, o.kv_peak_fraction);
  batch_seq_steps += o.batch_seq_steps;
  kv_overflows += o.kv_overflows;
  prompt_tokens += o.prompt_tokens;
  prefix_hit_tokens += o.prefix_hit_tokens;
  tier2_hit_tokens += o.tier2_hit_tokens;
  preemptions += o.preemptions;
  recomputed_tokens += o.recomputed_tokens;
  swapped_tokens += o.swapped_tokens;
  failures += o.failures;
}

void MetricsCollector::generated(int64_t group, double arrival) {
  ++generated_;
  if (group < 0) return;
  Job& j = jobs_[group];
  if (j.requests++ == 0) j.arrival = arrival;
}

void MetricsCollector::completed(double arrival, double first_token, double finish, int64_t input, int64_t output,
                                 const Slo& slo, int64_t group) {
  ++completed_;
  if (group >= 0) {
    Job& j = jobs_[group];
    ++j.completed;
    j.last_finish = std::max(j.last_finish, finish);
  }
  input_tokens_ += input;
  output_tokens_ += output;
  const double ttft = first_token - arrival;
  ttft_.add(ttft);
  e2e_.add(finish - arrival);
  double tpot = 0;
  if (output > 1) {
    tpot = (finish - first_token) / double(output - 1);
    tpot_.add(tpot);
  }
  if ((slo.ttft <= 0 || ttft <= slo.ttft) && (slo.tpot <= 0 || tpot <= slo.tpot)) ++good_;
}

int64_t MetricsCollector::rejected_count() const {
  int64_t n = 0;
  for (const auto& [k, v] : rejected_) n += v;
  return n;
}

static nlohmann::json pct_json(const Percentiles& p, bool approximate) {
  nlohmann::json j = {{"mean", p.mean}, {"p50", p.p50}, {"p90", p.p90}, {"p99", p.p99}, {"count", p.count}};
  // Past Samples' exact limit: each percentile within 0.5% (logarithmic buckets).
  if (approximate) j["approximate_within"] = std::sqrt(Samples::kRatio) - 1;
  if (!p.cdf.empty()) j["cdf"] = p.cdf;
  return j;
}

nlohmann::json MetricsCollector::summarize(const Scenario& sc, RunStats& run) {
  using nlohmann::json;
  const double chips = sc.total_chips();
  // The measurement window runs from t = 0 (the first arrival) to the end of the run.
  const double span = run.end_time > 0 ? run.end_time : 1e-30;
  int instances = 0;
  for (const auto& p : run.pools) instances += p.spec->serving.instances();

  json j;
  j["scenario"] = sc.name;
  j["platform"] = sc.disaggregated() ? run.pools[0].spec->platform.name + " + " + run.pools[1].spec->platform.name
                                     : sc.pools[0].platform.name;
  j["model"] = sc.pools[0].model.name;
  j["workload"] = sc.workload.name;
  j["seed"] = sc.seed;
  j["layout"] = {{"chips", int(chips)},
                 {"instances", instances},
                 {"chips_per_instance", sc.disaggregated() ? 0 : sc.pools[0].serving.chips_per_instance},
                 {"disaggregated", sc.disaggregated()},
                 {"router", sc.pools[0].serving.router}};

  json rej = json::object();
  for (const auto& [k, v] : rejected_) rej[k] = v;
  j["requests"] = {{"generated", generated_},
                   {"completed", completed_},
                   {"rejected", rejected_count()},
                   {"rejected_by_reason", rej},
                   {"in_flight", run.in_flight}};
  j["simulated_seconds"] = run.end_time;

  const double rps = completed_ / span, in_tps = input_tokens_ / span, out_tps = output_tokens_ / span;
  j["throughput"] = {{"requests_per_s", rps},
                     {"input_tokens_per_s", in_tps},
                     {"output_tokens_per_s", out_tps},
                     {"input_tokens_per_s_per_chip", in_tps / chips},
                     {"output_tokens_per_s_per_chip", out_tps / chips}};
  j["goodput"] = {{"requests_per_s", good_ / span},
                  {"slo_attainment", completed_ > 0 ? double(good_) / completed_ : 0.0},
                  {"slo_ttft_s", sc.workload.slo.ttft},
                  {"slo_tpot_s", sc.workload.slo.tpot}};
  if (sc.workload.deadline > 0) {
    // Document batch jobs: a job meets its deadline when all its documents are done by then.
    int64_t met = 0;
    for (const auto& [id, job] : jobs_)
      if (job.completed == job.requests && job.last_finish - job.arrival <= sc.workload.deadline) ++met;
    j["jobs"] = {{"count", static_cast<int64_t>(jobs_.size())},
                 {"met_deadline", met},
                 {"deadline_s", sc.workload.deadline}};
  }
  j["latency_s"] = {{"ttft", pct_json(ttft_.percentiles(sc.latency_cdf), ttft_.approximate())},
                    {"tpot", pct_json(tpot_.percentiles(sc.latency_cdf), tpot_.approximate())},
                    {"e2e", pct_json(e2e_.percentiles(sc.latency_cdf), e2e_.approximate())}};

  // Per pool: KV, busy time, power and cost. Every chip is paid for the whole window;
  // a colocated pool's bill is split between prefill and decode by the work each step
  // did (idle time follows the same split), a prefill pool's goes to input tokens and a
  // decode pool's to output tokens.
  InstanceTotals all;
  double kv_capacity = 0, total_usd = 0, input_usd = 0, energy_j = 0, chip_energy_j = 0, chip_seconds = 0,
         busy_chip_seconds = 0;
  int64_t kv_per_instance = 0;
  json pools = json::array();
  for (auto& p : run.pools) {
    const PoolSpec& ps = *p.spec;
    const InstanceTotals& t = p.totals;
    all.add(t);
    const double n = ps.serving.instances(), pool_chips = ps.serving.chips;
    kv_capacity += double(p.kv_tokens_per_instance) * n;
    kv_per_instance = std::max(kv_per_instance, p.kv_tokens_per_instance);
    const double busy = t.busy_time / (n * span);
    const Chip& chip = ps.platform.chip;
    // Mean power per chip: from SimGrid's energy plugin (busy and idle power states,
    // failed chips off), or from the busy fraction when the plugin did not run.
    const double watts = p.energy_joules >= 0 ? p.energy_joules / (pool_chips * span)
                                              : chip.power_idle + (chip.power_busy - chip.power_idle) * busy;
    const double usd_per_chip_s = ps.platform.cost.per_chip_second(watts);
    const double usd = pool_chips * span * usd_per_chip_s;
    const double work = t.prefill_time + t.decode_time;
    const double prefill_share = ps.role == "prefill" ? 1.0
                                 : ps.role == "decode" ? 0.0
                                 : work > 0            ? t.prefill_time / work
                                                       : 0.5;
    total_usd += usd;
    input_usd += usd * prefill_share;
    chip_energy_j += watts * pool_chips * span;
    energy_j += ps.platform.cost.facility_watts(watts) * pool_chips * span;
    chip_seconds += pool_chips * span;
    busy_chip_seconds += busy * pool_chips * span;
    pools.push_back({{"role", ps.role},
                     {"platform", ps.platform.name},
                     {"chips", ps.serving.chips},
                     {"instances", ps.serving.instances()},
                     {"chips_per_instance", ps.serving.chips_per_instance},
                     {"kv_capacity_tokens_per_instance", p.kv_tokens_per_instance},
                     {"busy_fraction", busy},
                     {"usd_per_hour", usd_per_chip_s * 3600 * pool_chips}});
  }
  j["pools"] = pools;
  j["kv_cache"] = {{"capacity_tokens_per_instance", kv_per_instance},
                   {"mean_utilisation", kv_capacity > 0 ? all.kv_token_seconds / (kv_capacity * span) : 0},
                   {"peak_utilisation", all.kv_peak_fraction},
                   {"overflows", all.kv_overflows}};
  j["prefix_cache"] = {{"hit_rate", all.prompt_tokens > 0 ? double(all.prefix_hit_tokens) / all.prompt_tokens : 0.0},
                       {"saved_prefill_tokens", all.prefix_hit_tokens},
                       {"tier2_hit_tokens", all.tier2_hit_tokens},
                       {"prompt_tokens", all.prompt_tokens}};
  j["preemption"] = {{"count", all.preemptions},
                     {"recomputed_tokens", all.recomputed_tokens},
                     {"swapped_tokens", all.swapped_tokens}};
  j["kv_transfer_s"] = pct_json(run.kv_transfer.percentiles(), run.kv_transfer.approximate());
  j["failures"] = {{"chip_failures", run.chip_failures},
                   {"instance_failures", all.failures},
                   {"retried_requests", run.retried},
                   {"lost_chip_hours", run.lost_chip_seconds / 3600}};
  // SimGrid activities the run created: a sleep per instance step, a wait per idle spell,
  // and the source's, the transfer workers' (a flow each) and the failure injector's.
  j["engine"] = {{"steps", all.steps},
                 {"simgrid_activities", all.steps + all.waits + run.control_activities},
                 {"busy_fraction", all.busy_time / (instances * span)},
                 {"mean_decode_batch_per_instance", all.steps > 0 ? all.batch_seq_steps / all.steps : 0}};
  const double avg_watts = chip_energy_j / (chip_seconds > 0 ? chip_seconds : 1);
  const double tokens = double(input_tokens_ + output_tokens_);
  j["cost"] = {{"chip_hours", chip_seconds / 3600},
               {"usd_per_chip_hour", total_usd / (chip_seconds > 0 ? chip_seconds : 1) * 3600},
               {"usd_per_hour", total_usd / span * 3600},
               {"usd_total", total_usd},
               {"prefill_share", total_usd > 0 ? input_usd / total_usd : 0},
               {"usd_per_m_input", input_tokens_ > 0 ? input_usd / input_tokens_ * 1e6 : 0},
               {"usd_per_m_output", output_tokens_ > 0 ? (total_usd - input_usd) / output_tokens_ * 1e6 : 0},
               // The share of paid chip time spent stepping.
               {"utilisation", chip_seconds > 0 ? busy_chip_seconds / chip_seconds : 0},
               {"mean_chip_watts", avg_watts},
               {"chip_energy_kwh", chip_energy_j / 3.6e6},
               // Facility energy: the chips, their share of each rack's overhead, x PUE.
               {"energy_kwh", energy_j / 3.6e6},
               {"joules_per_output_token", output_tokens_ > 0 ? energy_j / output_tokens_ : 0},
               {"joules_per_token", tokens > 0 ? energy_j / tokens : 0},
               {"chip_joules_per_token", tokens > 0 ? chip_energy_j / tokens : 0},
               {"energy_scope", sc.pools[0].platform.cost.has_facility ? "facility" : "chips only (no facility section)"},
               {"pricing", sc.pools[0].platform.cost.rental ? "rental" : "ownership"}};
  return j;
}

}  // namespace stacksim
