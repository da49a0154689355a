// Workload: where requests come from. Three kinds, chosen by `type:`:
//   stream       open-loop synthetic stream (coding, document processing): an arrival
//                process and length distributions;
//   closed_loop  N users, each sending its next request when the previous one completes
//                (plus a think time), as serving benchmarks measure;
//   azure_trace  replay of an Azure LLM inference trace CSV (TIMESTAMP,ContextTokens,GeneratedTokens).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/yaml_reader.h"

namespace stacksim {

struct LengthDist {
  enum class Kind { Fixed, Lognormal, Uniform } kind = Kind::Fixed;
  double mean = 0;   // lognormal: mean before clipping
  double cv = 0;     // lognormal: coefficient of variation (stddev / mean)
  int64_t min = 1;   // lognormal, uniform: lower bound (inclusive)
  int64_t max = 1;   // lognormal, uniform: upper bound (inclusive)
  int64_t value = 1; // fixed
};

struct Arrival {
  enum class Kind { Poisson, Gamma } kind = Kind::Poisson;
  double rate = 1;   // requests per second
  double cv = 1;     // gamma: coefficient of variation of inter-arrival times (1 = Poisson)
};

// Service-level objectives of a stream: a request meets them when its TTFT and its TPOT
// are at most these (0 = no target).
struct Slo {
  double ttft = 0;  // s
  double tpot = 0;  // s
};

struct Workload {
  enum class Type { Stream, ClosedLoop, AzureTrace } type = Type::Stream;
  std::string name;
  std::string description;
  std::string file;
  Arrival arrival;
  LengthDist input;
  LengthDist output;
  int64_t requests = 0;      // stop after this many (0 = no count limit)
  double duration = 0;       // stream: stop generating after this simulated time (0 = none)
  int64_t users = 0;         // closed_loop
  double think_time = 0;     // closed_loop, seconds
  std::string trace_path;    // azure_trace, resolved against the workload file
  double time_scale = 1;     // azure_trace: >1 replays faster
  int64_t limit = 0;         // azure_trace: first N rows (0 = all)
  Slo slo;                   // targets for goodput
  int64_t block_tokens = 512;  // tokens per KV block of RequestSpec::blocks
  std::vector<Workload> streams;  // mix: the component streams (RequestSpec::stream indexes them)
  double weight = 1;         // mix component: its arrival rate is scaled by this

  // The SLO that applies to a request of stream `i`.
  const Slo& slo_of(int i) const { return streams.empty() ? slo : streams[size_t(i)].slo; }
};

Workload workload_from_yaml(const YAML::Node& root, const Origin& origin);

}  // namespace stacksim
