// A small, fast, portable random stream (xoshiro256**), seeded through splitmix64, so
// that the same seed gives the same numbers on every machine and standard library, and
// the seeds of a scenario's components.
#pragma once

#include <cstdint>
#include <string>

namespace stacksim {

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

// splitmix64's finaliser: a bijection of 64-bit values that scatters nearby inputs.
uint64_t mix64(uint64_t z);

}  // namespace stacksim
