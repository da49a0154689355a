#include "serving/timeline.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "serving/request_log.h"

namespace stacksim {

const char* Timeline::header() {
  return "scenario,pool,role,platform,start_s,end_s,arrivals,completed,rejected,queue,running,chips_down,busy,"
         "prefill_tokens_per_s,output_tokens_per_s,completed_input_tokens,completed_output_tokens,kv_use,"
         "kv_use_mean,chip_watts,energy_j,usd";
}

Timeline::Timeline(const std::string& path, const Scenario& sc, double interval)
    : sc_(sc),
      interval_(interval),
      out_(path, std::ios::binary | std::ios::trunc),
      path_(path),
      scenario_(csv_cell(sc.name)),
      energy_(sc.pools.size(), 0.0) {
  if (!out_) throw std::runtime_error("cannot write " + path);
}

void Timeline::Bin::add(const Bin& o) {
  arrivals += o.arrivals;
  completed += o.completed;
  rejected += o.rejected;
  completed_input += o.completed_input;
  completed_output += o.completed_output;
  busy_s += o.busy_s;
  prefill_tokens += o.prefill_tokens;
  output_tokens += o.output_tokens;
  kv_token_s += o.kv_token_s;
}

Timeline::Bin& Timeline::at(size_t pool, double t) {
  // Events never come before the open interval (they happen now, or start now); a time
  // a rounding below its boundary still belongs to it.
  const int64_t k = std::max<int64_t>(0, static_cast<int64_t>(std::floor(t / interval_)) - first_);
  while (int64_t(open_.size()) <= k) open_.emplace_back(sc_.pools.size());
  return open_[size_t(k)][pool];
}

void Timeline::completed(size_t pool, double t, int64_t input, int64_t output) {
  Bin& b = at(pool, t);
  b.completed++;
  b.completed_input += input;
  b.completed_output += output;
}

void Timeline::step(size_t pool, double start, double duration, double prefill_tokens, double output_tokens,
                    double kv_tokens) {
  // Spread over the intervals the step spans, in proportion to its time in each.
  const double end = start + duration;
  double from = start;
  do {
    Bin& b = at(pool, from);
    const double bin_end = (std::floor(from / interval_) + 1) * interval_;
    const double to = std::min(end, bin_end);
    const double f = duration > 0 ? (to - from) / duration : 1.0;
    b.busy_s += to - from;
    b.prefill_tokens += prefill_tokens * f;
    b.output_tokens += output_tokens * f;
    b.kv_token_s += kv_tokens * (to - from);
    from = to;
  } while (from < end);
}

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

void Timeline::write(const std::vector<Bin>& bins, const std::vector<Gauges>& g, double start, double end) {
  const double dt = end - start;
  for (size_t p = 0; p < bins.size(); ++p) {
    const PoolSpec& ps = sc_.pools[p];
    const Bin& b = bins[p];
    const double chips = ps.serving.chips, energy = g[p].energy_joules - energy_[p];
    energy_[p] = g[p].energy_joules;
    const double watts = dt > 0 ? energy / (chips * dt) : 0;
    const double usd = chips * dt * ps.platform.cost.per_chip_second(watts);
    const double per_s = dt > 0 ? 1 / dt : 0;
    out_ << scenario_ << ',' << p << ',' << ps.role << ',' << csv_cell(ps.platform.name) << ',' << num(start) << ','
         << num(end) << ',' << b.arrivals << ',' << b.completed << ',' << b.rejected << ',' << g[p].queue << ','
         << g[p].running << ',' << g[p].chips_down << ',' << num(b.busy_s * per_s / ps.serving.instances()) << ','
         << num(b.prefill_tokens * per_s) << ',' << num(b.output_tokens * per_s) << ',' << b.completed_input << ','
         << b.completed_output << ',' << num(g[p].kv_capacity > 0 ? double(g[p].kv_used) / g[p].kv_capacity : 0) << ','
         << num(g[p].kv_capacity > 0 ? b.kv_token_s * per_s / g[p].kv_capacity : 0) << ',' << num(watts) << ','
         << num(energy) << ',' << num(usd) << '\n';
  }
}

void Timeline::close_interval(const std::vector<Gauges>& g) {
  if (open_.empty()) open_.emplace_back(sc_.pools.size());
  write(open_.front(), g, double(first_) * interval_, double(first_ + 1) * interval_);
  open_.pop_front();
  ++first_;
}

void Timeline::finish(double end, const std::vector<Gauges>& g) {
  // The last row: the partial interval, and whatever was recorded at or after it.
  const bool recorded = !open_.empty();
  std::vector<Bin> last(sc_.pools.size());
  for (const auto& bins : open_)
    for (size_t p = 0; p < bins.size(); ++p) last[p].add(bins[p]);
  const double start = double(first_) * interval_;
  // A step under way at the end (cut by a horizon, or lost to a chip failure and slept
  // out) counts only its time within the run, as in the summary.
  for (size_t p = 0; p < last.size() && p < trimmed_.size(); ++p)
    last[p].busy_s = std::max(0.0, last[p].busy_s - trimmed_[p]);
  if (end > start || first_ == 0 || recorded) write(last, g, start, std::max(start, end));
  open_.clear();
  out_.close();
  if (!out_) throw std::runtime_error("writing " + path_ + " failed: " + std::strerror(errno));
}

}  // namespace stacksim
