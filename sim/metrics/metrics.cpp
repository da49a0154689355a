#include "metrics/metrics.h"

#include <algorithm>
#include <boost/sort/spreadsort/float_sort.hpp>
#include <cmath>

#include "metrics/cost.h"
#include "perf/perf_model.h"

namespace stacksim {

namespace {

// Fills p50/p90/p99 (and the CDF) of n sorted values, the i-th smallest being value(i),
// interpolating linearly between closest ranks (as numpy's default).
template <typename Value>
void fill_percentiles(Percentiles* p, int64_t n, Value value, bool with_cdf) {
  // numpy's default (method "linear"), operation for operation, so that percentiles
  // recomputed in numpy or pandas from the per-request records come out bit for bit: the
  // virtual index (n - 1) q, and its lerp from the nearer end.
  auto at = [&](double q) {
    const double pos = double(n - 1) * q;
    const int64_t lo = std::clamp<int64_t>(static_cast<int64_t>(std::floor(pos)), 0, n - 1);
    const int64_t hi = std::min(lo + 1, n - 1);
    const double a = value(lo), b = value(hi), t = std::clamp(pos - double(lo), 0.0, 1.0), d = b - a;
    return t >= 0.5 ? b - d * (1 - t) : a + d * t;
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
  // Boost's spreadsort (a radix sort on the values' bits): the order of std::sort, in a
  // few passes over a million latencies instead of ~20 comparisons each.
  boost::sort::spreadsort::float_sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  p.mean = sum / v.size();
  double sq = 0;
  for (double x : v) sq += (x - p.mean) * (x - p.mean);
  p.stdev = std::sqrt(sq / v.size());
  fill_percentiles(
      &p, p.count, [&](int64_t i) { return v[size_t(i)]; }, with_cdf);
  return p;
}

void Samples::add(double x, int64_t count) {
  if (count <= 0) return;
  n_ += count;
  sum_ += x * double(count);
  sumsq_ += x * x * double(count);
  if (!folded_ && exact_n_ + size_t(count) <= limit_) {
    if (count == 1)
      exact_.push_back(x);
    else
      exact_counted_.emplace_back(x, count);
    exact_n_ += size_t(count);
    return;
  }
  if (!folded_) fold_exact();  // past the exact limit: every sample so far into the buckets
  fold(x, count);
}

void Samples::fold_exact() {
  folded_ = true;
  for (double v : exact_) fold(v, 1);
  for (const auto& [v, c] : exact_counted_) fold(v, c);
  std::vector<double>().swap(exact_);
  std::vector<std::pair<double, int64_t>>().swap(exact_counted_);
}

int64_t Samples::bucket_of(double x) {
  return x > 0 ? static_cast<int64_t>(std::floor(std::log(x) / std::log(kRatio))) : kZero;
}

nlohmann::json Samples::sketch() const {
  std::map<int64_t, int64_t> b = buckets_;
  for (double v : exact_) ++b[bucket_of(v)];
  for (const auto& [v, c] : exact_counted_) b[bucket_of(v)] += c;
  nlohmann::json buckets = nlohmann::json::array();
  for (const auto& [k, c] : b) buckets.push_back({k, c});
  return {{"count", n_}, {"sum", sum_}, {"sumsq", sumsq_}, {"buckets", std::move(buckets)}};
}

void Samples::add_sketch(const nlohmann::json& sketch) {
  const int64_t n = sketch.at("count").get<int64_t>();
  if (n <= 0) return;
  if (!folded_) fold_exact();
  n_ += n;
  sum_ += sketch.at("sum").get<double>();
  sumsq_ += sketch.at("sumsq").get<double>();
  for (const auto& kc : sketch.at("buckets")) buckets_[kc.at(0).get<int64_t>()] += kc.at(1).get<int64_t>();
}

void Samples::fold(double x, int64_t count) {
  if (x >= fold_lo_ && x <= fold_hi_) {
    *fold_count_ += count;
    return;
  }
  const int64_t key = bucket_of(x);
  int64_t& slot = buckets_[key];  // (map nodes stay put)
  slot += count;
  if (key == kZero) return;
  if (fold_count_ == &slot) {
    fold_lo_ = std::min(fold_lo_, x);
    fold_hi_ = std::max(fold_hi_, x);
  } else {
    fold_count_ = &slot;
    fold_lo_ = fold_hi_ = x;
  }
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
  if (!folded_ && exact_counted_.empty()) return stacksim::percentiles(exact_, with_cdf);
  if (!folded_) {
    // As percentiles() over the values repeated by their counts (the sums add each value
    // times its count, in ascending order).
    Percentiles p;
    p.count = n_;
    for (double v : exact_) exact_counted_.emplace_back(v, 1);
    std::vector<double>().swap(exact_);
    std::sort(exact_counted_.begin(), exact_counted_.end());
    double sum = 0;
    for (const auto& [x, c] : exact_counted_) sum += x * double(c);
    p.mean = sum / double(n_);
    double sq = 0;
    for (const auto& [x, c] : exact_counted_) sq += (x - p.mean) * (x - p.mean) * double(c);
    p.stdev = std::sqrt(sq / double(n_));
    std::vector<int64_t> below;  // below[i]: samples before exact_counted_[i]
    below.reserve(exact_counted_.size());
    int64_t seen = 0;
    for (const auto& e : exact_counted_) {
      below.push_back(seen);
      seen += e.second;
    }
    fill_percentiles(
        &p, n_,
        [&](int64_t rank) {
          return exact_counted_[size_t(std::upper_bound(below.begin(), below.end(), rank) - below.begin()) - 1].first;
        },
        with_cdf);
    return p;
  }
  Percentiles p;
  p.count = n_;
  p.mean = sum_ / double(n_);
  p.stdev = std::sqrt(std::max(0.0, sumsq_ / double(n_) - p.mean * p.mean));  // from the exact sums
  fill_percentiles(
      &p, n_, [this](int64_t rank) { return at_rank(rank); }, with_cdf);
  return p;
}

void InstanceTotals::add(const InstanceTotals& o) {
  steps += o.steps;
  waits += o.waits;
  sleeps += o.sleeps;
  spans += o.spans;
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
  tier2_load_time += o.tier2_load_time;
  preemptions += o.preemptions;
  recomputed_tokens += o.recomputed_tokens;
  swapped_tokens += o.swapped_tokens;
  failures += o.failures;
}

void MetricsCollector::generated(int64_t group, double arrival) {
  ++generated_;
  last_arrival_ = std::max(last_arrival_, arrival);
  if (arrival >= warmup_) ++window_generated_;
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
  const bool good = (slo.ttft <= 0 || ttft <= slo.ttft) && (slo.tpot <= 0 || tpot <= slo.tpot);
  if (good) ++good_;
  count_in_window(arrival, first_token, finish, input, output, good);
}

void MetricsCollector::count_in_window(double arrival, double first_token, double finish, int64_t input, int64_t output,
                                       bool good) {
  // Before the source closes the window every finish lies before its end (the last
  // arrival is still to come); after, the end is the last arrival.
  const double end = window_closed_ ? last_arrival_ : finish;
  if (first_token >= warmup_ && first_token <= end) window_input_ += double(input);
  const double from = std::max(first_token, warmup_), to = std::min(finish, end);
  if (finish > first_token) {
    if (to > from) window_output_ += double(output) * (to - from) / (finish - first_token);
  } else if (first_token >= warmup_ && first_token <= end) {
    window_output_ += double(output);
  }
  if (arrival < warmup_) return;
  ++window_completed_;
  if (good) ++window_good_;
  window_ttft_.add(first_token - arrival);
  if (output > 1) window_tpot_.add((finish - first_token) / double(output - 1));
}

void MetricsCollector::decode_step(double start, double duration, int64_t seqs) {
  itl_.add(duration, seqs);
  if (start >= warmup_ && (!window_closed_ || start <= last_arrival_)) window_itl_.add(duration, seqs);
}

int64_t MetricsCollector::rejected_count() const {
  int64_t n = 0;
  for (const auto& [k, v] : rejected_) n += v;
  return n;
}

namespace {

LatencyStats stats_of(Samples& s, bool with_cdf = false) {
  const Percentiles p = s.percentiles(with_cdf);
  LatencyStats l;
  l.mean = p.mean;
  l.stdev = p.stdev;
  l.p50 = p.p50;
  l.p90 = p.p90;
  l.p99 = p.p99;
  l.count = p.count;
  // Past Samples' exact limit: each percentile within 0.5% (logarithmic buckets).
  if (s.approximate()) l.approximate_within = std::sqrt(Samples::kRatio) - 1;
  l.cdf = p.cdf;
  return l;
}

}  // namespace

void MetricsCollector::summarize_requests(const Scenario& sc, const RunStats& run, double span, RunSummary* s) const {
  const double chips = sc.total_chips();
  s->requests.generated = generated_;
  s->requests.completed = completed_;
  s->requests.rejected = rejected_count();
  s->requests.rejected_by_reason = rejected_;
  s->requests.in_flight = run.in_flight;
  s->simulated_seconds = run.end_time;
  const double rps = completed_ / span, in_tps = input_tokens_ / span, out_tps = output_tokens_ / span;
  s->throughput = {rps, in_tps, out_tps, in_tps / chips, out_tps / chips};
  s->goodput = {good_ / span, completed_ > 0 ? double(good_) / completed_ : 0.0, sc.workload.slo.ttft,
                sc.workload.slo.tpot};
  if (sc.workload.deadline > 0) {
    // Document batch jobs: a job meets its deadline when all its documents are done by then.
    int64_t met = 0;
    for (const auto& [id, job] : jobs_)
      if (job.completed == job.requests && job.last_finish - job.arrival <= sc.workload.deadline) ++met;
    s->jobs = RunSummary::Jobs{static_cast<int64_t>(jobs_.size()), met, sc.workload.deadline};
  }
}

void MetricsCollector::summarize_window(const Scenario& sc, RunSummary::SteadyState* out) {
  RunSummary::SteadyState& w = *out;
  w.start_s = warmup_;
  w.end_s = std::max(warmup_, last_arrival_);
  w.length_s = w.end_s - w.start_s;
  w.requests = window_generated_;
  w.completed = window_completed_;
  if (w.length_s > 0) {
    w.input_tokens_per_s = window_input_ / w.length_s;
    w.output_tokens_per_s = window_output_ / w.length_s;
    w.output_tokens_per_s_per_chip = w.output_tokens_per_s / sc.total_chips();
  }
  w.slo_attainment = window_generated_ > 0 ? double(window_good_) / double(window_generated_) : 0.0;
  w.ttft = stats_of(window_ttft_);
  w.tpot = stats_of(window_tpot_);
  w.itl = stats_of(window_itl_);
}

// What the engine did: steps, the calendar's events (one per instance step or coalesced
// span, and one more for a span cut short; the source's, the failure injector's; the
// others: wake-ups, the timeline's, KV landing without a flow, the horizon), the SimGrid
// activities of the KV transfers, and how busy the instances were over `instance_seconds`.
RunSummary::Engine engine_summary(const InstanceTotals& all, const RunStats& run, double instance_seconds) {
  RunSummary::Engine e;
  e.steps = all.steps;
  e.events = {{"instance_steps", all.sleeps},
              {"source", run.source_events},
              {"failures", run.failure_events},
              {"other", run.calendar_events - all.sleeps - run.source_events - run.failure_events}};
  e.calendar_events = run.calendar_events;
  e.activities = {{"kv_flows", run.kv_flows}, {"clock_syncs", run.clock_syncs}, {"flow_waits", run.flow_waits}};
  for (const auto& [kind, n] : e.activities) e.simgrid_activities += n;
  e.busy_fraction = all.busy_time / instance_seconds;
  e.mean_decode_batch_per_instance = all.steps > 0 ? all.batch_seq_steps / double(all.steps) : 0;
  e.decode_spans = all.spans;
  return e;
}

nlohmann::json MetricsCollector::distributions() const {
  return {{"ttft", ttft_.sketch()}, {"tpot", tpot_.sketch()}, {"e2e", e2e_.sketch()}, {"itl", itl_.sketch()}};
}

RunSummary MetricsCollector::summarize(const Scenario& sc, RunStats& run) {
  // The measurement window runs from t = 0 (the first arrival) to the end of the run.
  const double span = run.end_time > 0 ? run.end_time : 1e-30;
  int64_t instances = 0;
  for (const auto& p : run.pools) instances += p.spec->serving.instances();

  RunSummary s;
  s.scenario = sc.name;
  s.platform = sc.disaggregated() ? run.pools[0].spec->platform.name + " + " + run.pools[1].spec->platform.name
                                  : sc.pools[0].platform.name;
  s.model = sc.pools[0].model.name;
  s.workload = sc.workload.name;
  s.seed = sc.seed;
  s.layout = {sc.total_chips(), instances, sc.disaggregated() ? 0 : sc.pools[0].serving.chips_per_instance,
              sc.disaggregated(), sc.pools[0].serving.router};
  summarize_requests(sc, run, span, &s);
  s.latency_s = {stats_of(ttft_, sc.latency_cdf), stats_of(tpot_, sc.latency_cdf), stats_of(e2e_, sc.latency_cdf),
                 stats_of(itl_, sc.latency_cdf)};
  summarize_window(sc, &s.steady_state);

  // Per pool: KV, busy time, power and cost (metrics/cost.h).
  InstanceTotals all;
  CostTotals bill;
  double kv_capacity = 0;
  int64_t kv_per_instance = 0;
  for (auto& p : run.pools) {
    const PoolSpec& ps = *p.spec;
    all.add(p.totals);
    kv_capacity += double(p.kv_tokens_per_instance) * ps.serving.instances();
    kv_per_instance = std::max(kv_per_instance, p.kv_tokens_per_instance);
    const PoolCost c = pool_cost(ps, p.totals, p.energy_joules, span);
    bill.add(ps, c, span);
    s.pools.push_back({ps.role, ps.platform.name, ps.serving.chips, ps.serving.instances(),
                       ps.serving.chips_per_instance, p.kv_tokens_per_instance, c.busy,
                       c.usd_per_chip_s * 3600 * ps.serving.chips});
  }
  s.kv_cache = {kv_per_instance, all.kv_overflows, kv_capacity > 0 ? all.kv_token_seconds / (kv_capacity * span) : 0,
                all.kv_peak_fraction};
  s.prefix_cache = {all.prompt_tokens > 0 ? double(all.prefix_hit_tokens) / all.prompt_tokens : 0.0,
                    all.prefix_hit_tokens, all.tier2_hit_tokens, all.prompt_tokens};
  s.preemption = {all.preemptions, all.recomputed_tokens, all.swapped_tokens};
  s.kv_transfer_s = stats_of(run.kv_transfer);
  s.failures = {run.chip_failures, all.failures, run.retried, run.lost_chip_seconds / 3600};
  s.engine = engine_summary(all, run, double(instances) * span);
  s.cost = cost_summary(bill, span, input_tokens_, output_tokens_, sc.pools[0].platform);
  const double hit = s.prefix_cache.hit_rate, hit_usd_share = bill.input_usd > 0 ? bill.hit_usd / bill.input_usd : 0;
  split_input_price(s.cost.usd_per_m_input, hit, hit_usd_share, &s.cost.usd_per_m_input_cache_miss,
                    &s.cost.usd_per_m_input_cache_hit);
  RunSummary::SteadyState& w = s.steady_state;
  const double usd_s = s.cost.usd_per_hour / 3600, share = s.cost.prefill_share;
  if (w.input_tokens_per_s > 0) w.usd_per_m_input = usd_s * share / w.input_tokens_per_s * 1e6;
  if (w.output_tokens_per_s > 0) w.usd_per_m_output = usd_s * (1 - share) / w.output_tokens_per_s * 1e6;
  split_input_price(w.usd_per_m_input, hit, hit_usd_share, &w.usd_per_m_input_cache_miss, &w.usd_per_m_input_cache_hit);
  return s;
}

}  // namespace stacksim
