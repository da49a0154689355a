// Metrics: what the simulation observed, and its summary. The collector receives
// per-request timestamps and per-instance totals; summarize() turns them into the
// numbers the report prints (throughput, latency percentiles, KV use, cost).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/scenario.h"
#include "metrics/summary.h"

namespace stacksim {

struct Percentiles {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0;
  double stdev = 0;  // the population standard deviation (numpy's default, as vLLM reports it)
  int64_t count = 0;
  std::vector<double> cdf;  // percentiles 0, 1, ..., 100 when asked for
};
// Linear interpolation between closest ranks (as numpy's default). Reorders `v`.
Percentiles percentiles(std::vector<double>& v, bool with_cdf = false);

// A stream of samples (latencies) whose percentiles are wanted, in bounded memory: the
// first `exact_limit` values are kept, and percentiles are exact (as percentiles());
// past that, every value is folded into logarithmic buckets of ratio kRatio (a bucket
// stands for its geometric middle), so memory stays O(buckets) however many samples
// come, and each percentile is within sqrt(kRatio) - 1 = 0.5% of the exact one
// (tested). The mean is always exact. A value added with a count (a decode step's gap,
// once per sequence) is kept once with its count, so a step costs O(1) whatever its batch.
class Samples {
 public:
  static constexpr double kRatio = 1.01;
  explicit Samples(size_t exact_limit = size_t(1) << 20) : limit_(exact_limit) {}
  void add(double x) { add(x, 1); }
  void add(double x, int64_t count);  // `count` samples of value x
  int64_t count() const { return n_; }
  bool approximate() const { return folded_; }
  Percentiles percentiles(bool with_cdf = false);
  // The samples as mergeable buckets: {count, sum, sumsq, buckets: [[key, count], ...]},
  // every sample in its logarithmic bucket (exact ones too). A fleet's clusters send
  // theirs to be merged (sim/fleet/): add_sketch() folds one in, after which the
  // percentiles are those of the folded buckets (within 0.5%) and the mean is exact.
  nlohmann::json sketch() const;
  void add_sketch(const nlohmann::json& sketch);

 private:
  void fold(double x, int64_t count);
  void fold_exact();  // the exact samples into the buckets (folded_ from then on)
  static int64_t bucket_of(double x);
  double at_rank(int64_t rank) const;  // the folded value of the rank-th smallest sample
  size_t limit_;
  // Up to limit_ samples in all: values added one at a time, and (value, count) pairs.
  std::vector<double> exact_;
  std::vector<std::pair<double, int64_t>> exact_counted_;
  size_t exact_n_ = 0;
  // The bucket of the last value folded, and the least and greatest values seen to fall in
  // it: a value between them falls in it too (the bucket is monotone in the value), which
  // spares a logarithm and a map search for the next step's nearly equal gap.
  int64_t* fold_count_ = nullptr;
  int64_t fold_key_ = 0;
  double fold_lo_ = 1, fold_hi_ = 0;
  std::map<int64_t, int64_t> buckets_;  // bucket -> count; values <= 0 go to kZero
  static constexpr int64_t kZero = std::numeric_limits<int64_t>::min();
  int64_t n_ = 0;
  double sum_ = 0, sumsq_ = 0;
  bool folded_ = false;
};

// Totals an instance accumulates over the run (summed over instances by the simulation).
struct InstanceTotals {
  int64_t steps = 0;
  int64_t waits = 0;            // times the instance went idle
  int64_t sleeps = 0;           // calendar events of its steps fired: one per step, or per coalesced span (+1 when cut)
  int64_t spans = 0;            // coalesced decode spans (serving/instance.h)
  double busy_time = 0;         // s spent in steps
  double prefill_time = 0;      // share of busy time attributed to prefill work
  double decode_time = 0;       // share attributed to decode work
  double kv_token_seconds = 0;  // integral of KV tokens in use over time
  double kv_peak_fraction = 0;  // highest KV use / capacity seen on any instance
  double batch_seq_steps = 0;   // sum over steps of decoding sequences (for the mean batch)
  int64_t kv_overflows = 0;     // steps whose KV use exceeded capacity (must stay 0)
  int64_t prompt_tokens = 0;    // prompt tokens admitted (recomputations included)
  int64_t prefix_hit_tokens = 0;  // of those, reused from the prefix cache
  int64_t tier2_hit_tokens = 0;   // of those, loaded back from the second tier
  double tier2_load_time = 0;     // s of steps spent loading those back (cache-hit input's cost)
  int64_t preemptions = 0;
  int64_t recomputed_tokens = 0;  // prompt tokens prefilled again after a preemption
  int64_t swapped_tokens = 0;     // KV tokens swapped out to host memory
  int64_t failures = 0;           // chip failures that took the instance down

  // Adds another instance's totals (the peak is a maximum).
  void add(const InstanceTotals& o);
};

// What a whole run adds to the per-request records.
struct RunStats {
  struct Pool {
    const PoolSpec* spec = nullptr;
    InstanceTotals totals;  // summed over the pool's instances
    int64_t kv_tokens_per_instance = 0;
    double energy_joules = -1;  // the chips' energy (serving/chip_power.h; -1: not measured)
  };
  std::vector<Pool> pools;
  double end_time = 0;    // simulated time the run stopped
  int64_t in_flight = 0;  // requests unfinished then
  int64_t retried = 0;    // request restarts after chip failures
  int64_t chip_failures = 0;
  double lost_chip_seconds = 0;  // chip-seconds of instances down (a failed chip takes its instance)
  Samples kv_transfer;           // disaggregated: seconds from prefill end to KV at the decode instance
  // The calendar's events (serving/calendar.h): all it fired, the source's and the
  // failure injector's; the SimGrid activities of the KV transfers: their flows, the
  // sleeps bringing SimGrid's clock to the calendar's before a flow starts, and the waits
  // running it to the next event while flows are under way.
  int64_t calendar_events = 0, source_events = 0, failure_events = 0;
  int64_t kv_flows = 0, clock_syncs = 0, flow_waits = 0;
};

class MetricsCollector {
 public:
  // A request was generated; `group` is its document-batch job (RequestSpec::session).
  void generated(int64_t group = -1, double arrival = 0);
  void rejected(const std::string& reason) { ++rejected_[reason]; }
  // The steady-state window opens at `warmup` (s); it closes at the last arrival, which
  // the source announces with arrivals_ended() once it has no more requests.
  void set_warmup(double warmup) { warmup_ = warmup; }
  void arrivals_ended() { window_closed_ = true; }
  // A request finished; `slo` is its stream's targets (for goodput).
  void completed(double arrival, double first_token, double finish, int64_t input, int64_t output, const Slo& slo,
                 int64_t group = -1);
  // A decode step of `duration` s that began at `start` gave each of its `seqs` sequences
  // its next token(s): one inter-token gap each (MTP delivers several tokens per gap).
  void decode_step(double start, double duration, int64_t seqs);

  int64_t generated_count() const { return generated_; }
  int64_t completed_count() const { return completed_; }
  int64_t rejected_count() const;

  // The latencies' samples as sketches (Samples::sketch), by name: ttft, tpot, e2e, itl.
  nlohmann::json distributions() const;
  // The summary of a finished run.
  RunSummary summarize(const Scenario& sc, RunStats& run);

 private:
  void summarize_requests(const Scenario& sc, const RunStats& run, double span, RunSummary* s) const;
  int64_t generated_ = 0, completed_ = 0, good_ = 0;
  int64_t input_tokens_ = 0, output_tokens_ = 0;
  std::map<std::string, int64_t> rejected_;
  Samples ttft_, tpot_, e2e_, itl_;
  // The steady-state window (RunSummary::SteadyState).
  void summarize_window(const Scenario& sc, RunSummary::SteadyState* w);
  void count_in_window(double arrival, double first_token, double finish, int64_t input, int64_t output, bool good);
  double warmup_ = 0, last_arrival_ = 0;
  bool window_closed_ = false;
  int64_t window_generated_ = 0, window_completed_ = 0, window_good_ = 0;
  double window_input_ = 0, window_output_ = 0;  // tokens produced in the window
  Samples window_ttft_, window_tpot_, window_itl_;
  struct Job {
    int64_t requests = 0, completed = 0;
    double arrival = 0, last_finish = 0;
  };
  std::map<int64_t, Job> jobs_;  // document-batch jobs, by id
};

}  // namespace stacksim
