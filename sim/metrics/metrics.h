// Metrics: what the simulation observed, and its summary. The collector receives
// per-request timestamps and per-instance totals; summarize() turns them into the
// numbers the report prints (throughput, latency percentiles, KV use, cost).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/scenario.h"

namespace stacksim {

struct Percentiles {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0;
  int64_t count = 0;
};
// Linear interpolation between closest ranks (as numpy's default). Reorders `v`.
Percentiles percentiles(std::vector<double>& v);

// Totals an instance accumulates over the run (summed over instances by the simulation).
struct InstanceTotals {
  int64_t steps = 0;
  double busy_time = 0;          // s spent in steps
  double prefill_time = 0;       // share of busy time attributed to prefill work
  double decode_time = 0;        // share attributed to decode work
  double kv_token_seconds = 0;   // integral of KV tokens in use over time
  double kv_peak_fraction = 0;   // highest KV use / capacity seen on any instance
  double batch_seq_steps = 0;    // sum over steps of decoding sequences (for the mean batch)
  int64_t kv_overflows = 0;      // steps whose KV use exceeded capacity (must stay 0)
};

class MetricsCollector {
 public:
  void generated() { ++generated_; }
  void rejected(const std::string& reason) { ++rejected_[reason]; }
  void completed(double arrival, double first_token, double finish, int64_t input, int64_t output);

  int64_t generated_count() const { return generated_; }
  int64_t completed_count() const { return completed_; }
  int64_t rejected_count() const;

  // Builds the JSON summary of a finished run. `end_time` is the simulated time the run
  // stopped; `in_flight` the requests still unfinished then.
  nlohmann::json summarize(const Scenario& sc, const InstanceTotals& totals, int64_t kv_tokens_per_instance,
                           double end_time, int64_t in_flight);

 private:
  int64_t generated_ = 0, completed_ = 0;
  int64_t input_tokens_ = 0, output_tokens_ = 0;
  std::map<std::string, int64_t> rejected_;
  std::vector<double> ttft_, tpot_, e2e_;
  double first_arrival_ = -1, last_finish_ = 0;
};

}  // namespace stacksim
