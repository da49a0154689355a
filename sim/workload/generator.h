// Request generators: pure, seeded producers of (arrival time, input tokens, output
// tokens, stream, session, prefix blocks). The serving simulation pulls from one;
// nothing here knows about SimGrid.
//
// Generators of multi-turn sessions (coding_sessions), of N users (closed_loop) and
// mixes containing them are closed loops: their next request may only become ready when
// the caller reports a completion through on_complete.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "config/workload.h"

namespace stacksim {

struct RequestSpec {
  double arrival = 0;     // s
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int stream = 0;         // which stream of a mix it came from (index into Workload::streams; 0 otherwise)
  // The group it belongs to (-1: none): the session of a coding_sessions turn, the job of
  // a document_batch document.
  int64_t session = -1;
  // Hash ids of the prompt's full KV blocks (block_tokens each, see Workload), in order:
  // equal ids mean an identical prefix up to and including that block (Mooncake's
  // hash_ids). Empty when the workload carries no prefix information. Ids of different
  // teams, sessions and mix streams never collide.
  std::vector<uint64_t> blocks;
};

// A small, fast, portable random stream (xoshiro256**), seeded through splitmix64, so
// that the same seed gives the same numbers on every machine and standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next_u64();
  double uniform();            // [0, 1)
  double normal();             // standard normal (Box-Muller)
  double gamma(double shape);  // Gamma(shape, 1) (Marsaglia-Tsang)

 private:
  uint64_t s_[4];
};

// The seed of one component's stream: the scenario seed mixed with the component name,
// so streams are independent and stable whatever else the scenario contains.
uint64_t stream_seed(uint64_t scenario_seed, const std::string& component);

// Draws one length from `d` (lognormal values are rounded and clipped to [min, max]).
int64_t draw_length(const LengthDist& d, Rng& rng);

// Draws one duration (s) from `d` (lognormal values are clipped to [min, max]).
double draw_time(const TimeDist& d, Rng& rng);

class Generator {
 public:
  virtual ~Generator() = default;
  // The next request in arrival order if one is ready; false if none is ready now.
  // Arrivals never decrease from one call to the next: a request that becomes ready with
  // an arrival earlier than one already returned (a completion while the caller waited
  // for that later arrival) is returned at that later arrival.
  virtual bool next(RequestSpec* out) = 0;
  // The arrival of the request next() would return now; false if none is ready. Every
  // generator of make_generator overrides it (a mix needs it of its streams); the default,
  // for other implementations, tells nothing ahead.
  virtual bool peek(double* arrival) const { return false; }
  // True once no request will ever be produced again.
  virtual bool exhausted() const = 0;
  // Closed loop: request `r` (as next() returned it) finished, completed or rejected, at
  // time `now`, which may make the next one ready (the next turn of its session, the
  // next of its user) at `now` or later.
  virtual void on_complete(const RequestSpec& r, double now) {}
  // False for open-loop generators, whose arrivals never depend on completions (the
  // simulation then need not wake its source at each completion).
  virtual bool reacts_to_completions() const { return true; }
};

// REQUIRES: a validated Workload. Trace files are read here; a bad trace throws ConfigError.
// Each stream of a mix gets its own seed, stream_seed(seed, "mix/<i>/<name>"), and its
// arrival rate multiplied by its weight (traces: its time_scale).
std::unique_ptr<Generator> make_generator(const Workload& w, uint64_t seed);

// Reads an Azure LLM inference trace (TIMESTAMP,ContextTokens,GeneratedTokens) into
// requests with arrivals in seconds from the first row, divided by time_scale.
std::vector<RequestSpec> read_azure_trace(const std::string& path, double time_scale, int64_t limit);

// Reads a Mooncake trace (JSON lines {"timestamp": ms from the start, "input_length",
// "output_length", "hash_ids": one id per 512-token block, the last one partial}) into
// requests with arrivals in seconds from the first row, divided by time_scale, and
// blocks = the ids of the full blocks (input_length / 512 of them). Every field is
// required and checked (lengths at least 1, ids below 2^56, one id per started block,
// timestamps not decreasing); an unknown field is an error.
std::vector<RequestSpec> read_mooncake_trace(const std::string& path, double time_scale, int64_t limit);

}  // namespace stacksim
