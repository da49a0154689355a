// Workload: where requests come from. `type:` names a kind; each kind's parameters, the
// reader of its keys and its generator live in one file of workload/generators/, and
// workload/kinds.cpp lists them.
// This file holds what every kind shares: the common keys (name, description, type, slo),
// the distributions and arrival processes, and their readers. Everything is in SI units.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/yaml_reader.h"

namespace stacksim {

struct LengthDist {
  enum class Kind { Fixed, Lognormal, Uniform } kind = Kind::Fixed;
  double mean = 0;    // lognormal: mean before clipping
  double cv = 0;      // lognormal: coefficient of variation (stddev / mean)
  int64_t min = 1;    // lognormal, uniform: lower bound (inclusive)
  int64_t max = 1;    // lognormal, uniform: upper bound (inclusive)
  int64_t value = 1;  // fixed
};

// A random duration (think times), in seconds; the same shapes as LengthDist. In YAML
// either one time ("30 s", fixed) or a mapping like a length distribution whose values
// carry time units: {distribution: lognormal, mean: 30 s, cv: 1, min: 1 s, max: 10 min}.
struct TimeDist {
  LengthDist::Kind kind = LengthDist::Kind::Fixed;
  double mean = 0, cv = 0;
  double min = 0, max = 0;  // s
  double value = 0;         // s
};

// A diurnal rate curve: the rate at time t is
//   rate × (1 + amplitude × cos(2π (t − peak) / period)),
// so its mean over a period is the arrival's rate. amplitude 0 = a flat rate.
struct Diurnal {
  double amplitude = 0;   // in [0, 1)
  double period = 86400;  // s
  double peak = 0;        // s: when the rate is highest (t = 0 is the first arrival)
};

struct Arrival {
  enum class Kind { Poisson, Gamma } kind = Kind::Poisson;
  double rate = 1;  // arrivals (requests, sessions, jobs) per second, mean over a diurnal period
  double cv = 1;    // gamma: coefficient of variation of inter-arrival times (1 = Poisson)
  Diurnal diurnal;
};

// Service-level objectives of a stream: a request meets them when its TTFT and its TPOT
// are at most these (0 = no target).
struct Slo {
  double ttft = 0;  // s
  double tpot = 0;  // s
};

// One kind's own keys. Each kind defines its parameters beside its generator
// (workload/generators/) and its reader fills Workload::params with them.
struct WorkloadParams {
  virtual ~WorkloadParams() = default;
};

struct Workload {
  std::string type;  // the kind, as `type:` names it (workload/kinds.cpp lists them)
  std::string name;
  std::string description;
  std::string file;
  // Every other file the workload reads (a trace, a mix's member files and theirs): their
  // contents are part of the scenario's fingerprint.
  std::vector<std::string> reads;
  Slo slo;                                       // targets for goodput; a mix's apply to its streams that set none
  std::shared_ptr<const WorkloadParams> params;  // the kind's own keys (a mix has none)

  // What the rest of the simulator needs of any kind; each kind's reader sets its own.
  bool carries_blocks = false;    // its requests carry RequestSpec::blocks (prefix-cache ids)
  int64_t block_tokens = 512;     // tokens per KV block of RequestSpec::blocks
  double deadline = 0;            // s: requests come in jobs (RequestSpec::session is the job id);
                                  // a job meets it when all its requests finish by then (0 = none)
  std::vector<Workload> streams;  // mix: the component streams (RequestSpec::stream indexes them)
  double weight = 1;              // mix component: its arrival rates (traces: time_scale) are
                                  // multiplied by it when generated
  // `load_scale`: every arrival rate (a trace's time_scale) multiplied by it, for any kind
  // whose rate can scale (the deployment search's load axis; 1 = as written).
  double load_scale = 1;

  // The SLO that applies to a request of stream `i`.
  const Slo& slo_of(int i) const { return streams.empty() ? slo : streams[size_t(i)].slo; }
};

Workload workload_from_yaml(const YAML::Node& root, const Origin& origin);

// The readers the kinds share (workload/generators/ use them for their keys).
// A workload at `path` inside a file (a mix's inline stream; "" for the whole file).
Workload read_workload(const YAML::Node& root, const Origin& origin, const std::string& path);
// A length distribution {distribution: fixed | uniform | lognormal, ...}.
LengthDist read_lengths(MapReader r);
// One time ("30 s": fixed) or a distribution whose values are times.
TimeDist read_times(MapReader& r, const std::string& key);
// An arrival process {type: poisson | gamma, rate, cv, diurnal}.
Arrival read_arrival(MapReader a);
// The most requests one simulation takes (a workload whose count, or rate x duration,
// would pass it is refused when read): a billion, ~2 hours at the `large` bench's pace.
constexpr int64_t kMaxRequests = 1000000000;
// The most documents one job of a document_batch holds (they are drawn together).
constexpr int64_t kMaxDocumentsPerJob = 1000000;

// How an open-loop workload stops: after `key` arrivals (at most `max`) and/or after
// `duration`; absent means unbounded by that measure (0), and one of them is required.
// `rate` (arrivals per second, 0: unknown): with a duration alone, rate x duration
// arrivals are expected, each bringing `per_arrival` requests, at most kMaxRequests.
void read_count_or_duration(MapReader& r, const std::string& key, int64_t max, int64_t* count, double* duration,
                            double rate = 0, double per_arrival = 1);

}  // namespace stacksim
