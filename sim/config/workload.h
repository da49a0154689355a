// Workload: where requests come from. Seven kinds, chosen by `type:`:
//   stream           open-loop synthetic stream (coding, document processing): an arrival
//                    process and length distributions;
//   closed_loop      N users, each sending its next request when the previous one completes
//                    (plus a think time), as serving benchmarks measure;
//   azure_trace      replay of an Azure LLM inference trace CSV (TIMESTAMP,ContextTokens,GeneratedTokens);
//   mooncake_trace   replay of a Mooncake JSONL trace (timestamp, input_length,
//                    output_length, hash_ids of 512-token blocks);
//   coding_sessions  multi-turn agentic coding sessions: each turn's prompt is the previous
//                    context plus new tokens, issued a think time after the previous turn
//                    completes; a team's sessions share a repository prefix;
//   document_batch   batch jobs of long documents, all submitted at the job's arrival, with
//                    a deadline for the whole job;
//   mix              a weighted mix of other workloads (its `streams`), merged by arrival.
// Arrival processes may follow a diurnal rate curve. Everything is in SI units (seconds).
#pragma once

#include <cstdint>
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

struct Workload {
  enum class Type { Stream, ClosedLoop, AzureTrace, MooncakeTrace, CodingSessions, DocumentBatch, Mix };
  Type type = Type::Stream;
  std::string name;
  std::string description;
  std::string file;
  Arrival arrival;                // stream: requests; coding_sessions: sessions; document_batch: jobs
  LengthDist input;               // prompt tokens (document_batch: per document)
  LengthDist output;              // generated tokens (coding_sessions: per turn)
  int64_t requests = 0;           // stop after this many (0 = no count limit)
  double duration = 0;            // stream, coding_sessions, document_batch: nothing starts after
                                  // this simulated time (0 = none); started sessions run on
  int64_t users = 0;              // closed_loop
  double think_time = 0;          // closed_loop, seconds
  std::string trace_path;         // azure_trace, mooncake_trace: resolved against the workload file
  double time_scale = 1;          // traces: replay at time_scale × the recorded rate (arrival = t / k)
  int64_t limit = 0;              // traces: first N rows (0 = all)
  Slo slo;                        // targets for goodput; a mix's apply to its streams that set none
  int64_t block_tokens = 512;     // tokens per KV block of RequestSpec::blocks
  std::vector<Workload> streams;  // mix: the component streams (RequestSpec::stream indexes them)
  double weight = 1;              // mix component: arrival rates are multiplied by it when generated
                                  // (traces: time_scale is)

  // coding_sessions. Session ids are RequestSpec::session.
  int64_t sessions = 0;            // sessions to start (0 = until duration)
  int64_t teams = 1;               // each session belongs to one, uniformly
  int64_t repo_prefix_tokens = 0;  // shared by every session of a team
  LengthDist first_turn;           // turn 1 prompt = repo prefix + this
  LengthDist turns;                // turns per session (at most)
  LengthDist new_tokens;           // turn k+1 prompt = turn k prompt + its output + this
  TimeDist think;                  // from a turn's completion to the next turn
  int64_t max_context_tokens = 0;  // a session ends when its next prompt would exceed this

  // document_batch. Job ids are RequestSpec::session (a job's documents share it).
  int64_t jobs = 0;      // jobs to submit (0 = until duration)
  LengthDist documents;  // documents per job
  double deadline = 0;   // s from the job's arrival; a job meets it when all its
                         // documents have finished by then (reported by metrics)

  // The SLO that applies to a request of stream `i`.
  const Slo& slo_of(int i) const { return streams.empty() ? slo : streams[size_t(i)].slo; }
};

Workload workload_from_yaml(const YAML::Node& root, const Origin& origin);

}  // namespace stacksim
