// Request generators: pure, seeded producers of (arrival time, input tokens, output
// tokens). The serving simulation pulls from one; nothing here knows about SimGrid.
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
  int64_t session = -1;   // multi-turn session it belongs to (-1: none)
  // Hash ids of the prompt's full KV blocks (block_tokens each, see Workload), in order:
  // equal ids mean an identical prefix up to and including that block (Mooncake's
  // hash_ids). Empty when the workload carries no prefix information.
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

class Generator {
 public:
  virtual ~Generator() = default;
  // The next request in arrival order if one is ready; false if none is ready now.
  virtual bool next(RequestSpec* out) = 0;
  // True once no request will ever be produced again.
  virtual bool exhausted() const = 0;
  // Closed loop: request `r` finished (completed, or rejected) at time `now`, which may
  // make the next one ready (the next turn of its session, the next of its user).
  virtual void on_complete(const RequestSpec& r, double now) {}
};

// REQUIRES: a validated Workload. Trace files are read here; a bad trace throws ConfigError.
std::unique_ptr<Generator> make_generator(const Workload& w, uint64_t seed);

// Reads an Azure LLM inference trace (TIMESTAMP,ContextTokens,GeneratedTokens) into
// requests with arrivals in seconds from the first row, divided by time_scale.
std::vector<RequestSpec> read_azure_trace(const std::string& path, double time_scale, int64_t limit);

}  // namespace stacksim
