// Timelines (`stacksim run --timeline FILE.csv --timeline-interval 1s`): a CSV row per
// interval and per pool — arrivals, completions and rejections; the queue, the running
// sequences, the KV in use and the chips down at the interval's end; the busy fraction,
// prompt tokens computed and output tokens generated per second, the KV's mean use, the
// chips' power and energy, and the dollars accrued over the interval.
//
// Counters are added as events happen (a step at its start, spread over the intervals it
// spans); the sampler event closes each interval at its end with the gauges and the
// chips' energy (serving/chip_power.h), and streams its rows to disk, so
// memory is O(pools x intervals a step spans). Summed over the rows, the counters equal
// the run's summary: arrivals = requests generated, completed, rejected, the completed
// requests' input and output tokens, busy time, KV token-seconds, chip energy and cost.
#pragma once

#include <cstdint>
#include <deque>
#include <fstream>
#include <string>
#include <vector>

#include "config/scenario.h"

namespace stacksim {

class Timeline {
 public:
  // What the sampler reads of a pool at an interval's end.
  struct Gauges {
    int64_t queue = 0;         // requests waiting for admission (and for an instance to come back up)
    int64_t running = 0;       // sequences prefilling or decoding
    int64_t kv_used = 0;       // KV tokens in use (sequences and prefix cache)
    double kv_capacity = 0;    // KV tokens the pool's instances hold
    int64_t chips_down = 0;    // failed chips
    double energy_joules = 0;  // the pool's chips' energy since the start of the run
  };

  static const char* header();
  // Opens `path` (the run's own part file; rows only) for `sc` with intervals of `interval` s.
  Timeline(const std::string& path, const Scenario& sc, double interval);

  double interval() const { return interval_; }
  // The end of the interval open now (the sampler's next wake-up).
  double next_boundary() const { return double(first_ + 1) * interval_; }

  void arrival(size_t pool, double t) { at(pool, t).arrivals++; }
  void rejected(size_t pool, double t) { at(pool, t).rejected++; }
  void completed(size_t pool, double t, int64_t input, int64_t output);
  // A step of `duration` s from `start` in `pool`: `prefill_tokens` computed, `output_tokens`
  // generated, `kv_tokens` held by its sequences throughout.
  void step(size_t pool, double start, double duration, double prefill_tokens, double output_tokens, double kv_tokens);

  // Writes the open interval's rows (one per pool, `g` in pool order) and opens the next.
  void close_interval(const std::vector<Gauges>& g);
  // At the end of the run (`end` s): writes the last, partial interval; counters recorded
  // past the end (steps in flight at the horizon) are counted in it, as the summary counts
  // them. Throws std::runtime_error when a write failed.
  void finish(double end, const std::vector<Gauges>& g);
  // Takes `seconds` of busy time after the end off pool's last row (Instance::trim_busy).
  void trim_busy(size_t pool, double seconds) {
    if (trimmed_.size() <= pool) trimmed_.resize(pool + 1);
    trimmed_[pool] += seconds;
  }

 private:
  std::vector<double> trimmed_;  // busy seconds after the run's end, by pool
  struct Bin {
    int64_t arrivals = 0, completed = 0, rejected = 0, completed_input = 0, completed_output = 0;
    double busy_s = 0, prefill_tokens = 0, output_tokens = 0, kv_token_s = 0;
    void add(const Bin& o);
  };
  Bin& at(size_t pool, double t);
  void write(const std::vector<Bin>& bins, const std::vector<Gauges>& g, double start, double end);

  const Scenario& sc_;
  const double interval_;
  std::ofstream out_;
  std::string path_, scenario_;
  std::deque<std::vector<Bin>> open_;  // open_[k][pool]: interval first_ + k
  int64_t first_ = 0;
  std::vector<double> energy_;  // per pool: the energy at the last interval's end
};

}  // namespace stacksim
