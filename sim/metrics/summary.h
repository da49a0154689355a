// RunSummary: what one simulation reports, typed. The one place the summary's key names
// live: to_json/from_json map each field to the key of the same name. The JSON written by
// `stacksim run -o`, the sweep database's columns and the Python analysis all use these
// names; the run table, the planner and the tests read the struct.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace stacksim {

// A latency (or transfer time) distribution, seconds.
struct LatencyStats {
  double mean = 0, stdev = 0, p50 = 0, p90 = 0, p99 = 0;  // stdev: population standard deviation ("std")
  int64_t count = 0;
  // > 0 when the samples outgrew the exact buffer: each percentile is within this
  // relative error (logarithmic buckets). 0: exact, and the key is left out.
  double approximate_within = 0;
  std::vector<double> cdf;  // percentiles 0..100 when asked for (simulation.latency_cdf)
};

struct RunSummary {
  std::string scenario, platform, model, workload;
  uint64_t seed = 0;
  struct Layout {
    int64_t chips = 0, instances = 0;
    int64_t chips_per_instance = 0;  // 0 when disaggregated (the pools differ)
    bool disaggregated = false;
    std::string router;
  } layout;
  struct Requests {
    int64_t generated = 0, completed = 0, rejected = 0, in_flight = 0;
    std::map<std::string, int64_t> rejected_by_reason;
  } requests;
  double simulated_seconds = 0;
  struct Throughput {
    double requests_per_s = 0, input_tokens_per_s = 0, output_tokens_per_s = 0;
    double input_tokens_per_s_per_chip = 0, output_tokens_per_s_per_chip = 0;
  } throughput;
  struct Goodput {
    double requests_per_s = 0, slo_attainment = 0, slo_ttft_s = 0, slo_tpot_s = 0;
  } goodput;
  struct Jobs {  // document batches only (a workload deadline)
    int64_t count = 0, met_deadline = 0;
    double deadline_s = 0;
  };
  std::optional<Jobs> jobs;
  struct Latency {
    // itl: the gaps between a sequence's successive decode steps (a step's duration for
    // each sequence in it; with MTP a gap delivers several tokens), as vLLM's ITL.
    LatencyStats ttft, tpot, e2e, itl;
  } latency_s;
  // The steady-state window: from simulation.warmup to the last arrival, so that neither
  // the cold start nor the drain after the last arrival counts. Latencies of the requests
  // that arrived in it; throughput of the tokens produced in it (a request's output tokens
  // spread evenly between its first token and its finish); requests unfinished at the end
  // of the run count as not served.
  struct SteadyState {
    double start_s = 0, end_s = 0, length_s = 0;
    int64_t requests = 0, completed = 0;
    double input_tokens_per_s = 0, output_tokens_per_s = 0, output_tokens_per_s_per_chip = 0;
    double slo_attainment = 0;
    LatencyStats ttft, tpot, itl;  // itl: the decode steps that began in the window
    // The bill at this load: $/hour over the window's token rates, split between input and
    // output as the run's cost splits it (capacity-based prices; 0 when the window is empty).
    double usd_per_m_input = 0, usd_per_m_output = 0;
    // Input priced the way APIs do (metrics/cost.h, split_input_price): per prompt token
    // computed (cache miss) and per token reused from the prefix cache (cache hit).
    double usd_per_m_input_cache_miss = 0, usd_per_m_input_cache_hit = 0;
  } steady_state;
  struct Pool {
    std::string role, platform;
    int64_t chips = 0, instances = 0, chips_per_instance = 0, kv_capacity_tokens_per_instance = 0;
    double busy_fraction = 0, usd_per_hour = 0;
  };
  std::vector<Pool> pools;
  struct KvCache {
    int64_t capacity_tokens_per_instance = 0, overflows = 0;
    double mean_utilisation = 0, peak_utilisation = 0;
  } kv_cache;
  struct PrefixCache {
    double hit_rate = 0;
    int64_t saved_prefill_tokens = 0, tier2_hit_tokens = 0, prompt_tokens = 0;
  } prefix_cache;
  struct Preemption {
    int64_t count = 0, recomputed_tokens = 0, swapped_tokens = 0;
  } preemption;
  LatencyStats kv_transfer_s;
  struct Failures {
    int64_t chip_failures = 0, instance_failures = 0, retried_requests = 0;
    double lost_chip_hours = 0;
  } failures;
  struct Engine {
    int64_t steps = 0, calendar_events = 0, simgrid_activities = 0;
    double busy_fraction = 0, mean_decode_batch_per_instance = 0;
    int64_t decode_spans = 0;                   // coalesced decode spans (each one calendar event for its steps)
    std::map<std::string, int64_t> events;      // calendar_events by kind
    std::map<std::string, int64_t> activities;  // simgrid_activities by kind (the KV transfers')
  } engine;
  struct Cost {
    double chip_hours = 0, usd_per_chip_hour = 0, usd_per_hour = 0, usd_total = 0, prefill_share = 0;
    double usd_per_m_input = 0, usd_per_m_output = 0, utilisation = 0, mean_chip_watts = 0;
    double chip_energy_kwh = 0, energy_kwh = 0, joules_per_output_token = 0, joules_per_token = 0;
    double chip_joules_per_token = 0;
    double usd_per_m_input_cache_miss = 0, usd_per_m_input_cache_hit = 0;  // as in SteadyState
    std::string energy_scope, pricing;
    // The same chips on the other cost basis, where every platform gives one ("" and 0
    // otherwise): ownership beside rental, or rental beside ownership.
    std::string other_pricing;
    double other_usd_per_hour = 0;
  } cost;
};

void to_json(nlohmann::json& j, const LatencyStats& s);
void from_json(const nlohmann::json& j, LatencyStats& s);

// The sections whose every field is a key of the same name. A new metric: its field
// above and its name in the list here, computed in metrics.cpp (and shown as a row of
// report.cpp's table if people should see it in the terminal).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary::Layout, chips, instances, chips_per_instance, disaggregated, router)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary::Requests, generated, completed, rejected, rejected_by_reason, in_flight)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary::Throughput, requests_per_s, input_tokens_per_s, output_tokens_per_s,
                                   input_tokens_per_s_per_chip, output_tokens_per_s_per_chip)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary::Goodput, requests_per_s, slo_attainment, slo_ttft_s, slo_tpot_s)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary::Jobs, count, met_deadline, deadline_s)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary::Latency, ttft, tpot, e2e, itl)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary::SteadyState, start_s, end_s, length_s, requests, completed,
                                   input_tokens_per_s, output_tokens_per_s, output_tokens_per_s_per_chip,
                                   slo_attainment, ttft, tpot, itl, usd_per_m_input, usd_per_m_output,
                                   usd_per_m_input_cache_miss, usd_per_m_input_cache_hit)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary::Pool, role, platform, chips, instances, chips_per_instance,
                                   kv_capacity_tokens_per_instance, busy_fraction, usd_per_hour)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary::KvCache, capacity_tokens_per_instance, mean_utilisation,
                                   peak_utilisation, overflows)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary::PrefixCache, hit_rate, saved_prefill_tokens, tier2_hit_tokens,
                                   prompt_tokens)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary::Preemption, count, recomputed_tokens, swapped_tokens)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary::Failures, chip_failures, instance_failures, retried_requests,
                                   lost_chip_hours)
// (With defaults: summaries stored before decode_spans existed still read.)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RunSummary::Engine, steps, calendar_events, simgrid_activities,
                                                busy_fraction, mean_decode_batch_per_instance, decode_spans, events,
                                                activities)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary::Cost, chip_hours, usd_per_chip_hour, usd_per_hour, usd_total,
                                   prefill_share, usd_per_m_input, usd_per_m_output, utilisation, mean_chip_watts,
                                   chip_energy_kwh, energy_kwh, joules_per_output_token, joules_per_token,
                                   chip_joules_per_token, usd_per_m_input_cache_miss, usd_per_m_input_cache_hit,
                                   energy_scope, pricing, other_pricing, other_usd_per_hour)

void to_json(nlohmann::json& j, const RunSummary& s);
// Throws nlohmann::json::exception naming the missing or mistyped key.
void from_json(const nlohmann::json& j, RunSummary& s);

}  // namespace stacksim
