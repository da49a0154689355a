// Analytic capacity and latency of a serving pool: the deployment search's first stage
// (sweep/search.h), which screens thousands of deployments before the DES confirms a few.
// Pure functions of the performance model's step times and the load's statistics; no
// SimGrid. Every approximation below is a labelled modelling choice, checked against the
// DES by the search itself (it reports the screen's figure beside the simulated one).
//
// A data-parallel rank prefills one prompt at a time, in chunks of its token budget (a
// context-parallel group of cp ranks shares one prompt and cp budgets): the ranks of a
// pool's instances are the servers of an M/G/c queue. Its waiting time is Erlang C's
// with the service-time variability folded in (Allen-Cunneen), and its tail taken as
// exponential: P(W > t) = C exp(-t (c / E[S]) (1 - rho) 2 / (1 + cs^2)).
// Decode follows Little's law: an instance running B sequences advances them one step
// every t(B); a sequence stays O / tokens_per_step steps, so B = lambda_i O t(B) / tps,
// solved for B. Quantiles of TPOT add the fluctuation of a Poisson population
// (B + z sqrt(B)) and, when prompts share the steps (colocated), the spread of the share
// of mixed steps a request sees over its decode.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "perf/perf_model.h"
#include "workload/request.h"

namespace stacksim {

// A load's prompts cut into chunks of a given size: steps per prompt (mean, squared
// coefficient of variation, quantiles) and the mean tokens a step carries.
struct Chunks {
  double mean = 0, scv = 0, tokens = 0;
  double p50 = 0, p90 = 0, p99 = 0;                       // steps of the prompt at that quantile
  double tokens_p50 = 0, tokens_p90 = 0, tokens_p99 = 0;  // and the tokens of each of its steps
  double at(int q) const { return q == 50 ? p50 : q == 90 ? p90 : p99; }
  double tokens_at(int q) const { return q == 50 ? tokens_p50 : q == 90 ? tokens_p90 : tokens_p99; }
};

// What the screen needs of a load: rates and token counts of its requests.
struct LoadStats {
  double rate = 0;                           // requests/s
  double prompt_mean = 0;                    // prompt tokens
  double output_mean = 0;                    // output tokens
  double output_p50 = 0;                     // the median output (how many steps a typical TPOT averages)
  double pairs_per_token = 0;                // causal attention pairs per computed prompt token
  double decode_context = 0;                 // KV length over the decode steps, averaged per step
  double held_mean = 0;                      // prompt + output: the KV a running sequence reserves
  int64_t held_max = 0;                      // the longest such
  int64_t prompt_max = 0;                    // the longest prompt
  std::vector<double> computed;              // prompt tokens computed (not held in a store), sorted
  mutable std::map<int64_t, Chunks> chunks;  // by tokens per step: computed once each
};

// The statistics of `requests` (their arrivals give the rate, unless `rate` > 0).
LoadStats load_stats(const std::vector<RequestSpec>& requests, double rate = 0);

// A latency at the quantiles an SLO may name.
struct Quantiles {
  double p50 = 0, p90 = 0, p99 = 0;
  double at(int q) const { return q == 50 ? p50 : q == 90 ? p90 : p99; }
};

// One pool at a number of instances, as the screen sees it.
struct PoolEstimate {
  bool feasible = false;
  std::string limit;  // when not: "memory", "batch" (sequences per rank), "prefill", "decode"
  int64_t instances = 0, chips = 0;
  double prefill_busy = 0;  // fraction of a rank's steps that carry its prompt chunk
  double batch = 0;         // decoding sequences per instance (mean)
  double step = 0;          // mean step time (s)
  double busy = 0;          // fraction of the time the pool's instances run steps
  Quantiles ttft, tpot;     // s; ttft without the front end
  Quantiles itl;            // s; a decode step's duration (tpot x tokens per step)
};

// `role`: "prefill" (prompts only; TPOT left 0), "decode" (decode only; TTFT left 0) or
// "colocated" (both share the steps).
PoolEstimate estimate_pool(const PerfModel& pm, const Serving& s, const LoadStats& l, const std::string& role,
                           int64_t instances);

// The q-quantile (0 < q < 1) of the wait of an M/G/c queue: arrival rate `lambda`, mean
// service `service` (s), squared coefficient of variation `scv`, `servers` servers.
// Infinity when it is unstable.
double queue_wait_quantile(double lambda, double service, double scv, double servers, double q);

}  // namespace stacksim
