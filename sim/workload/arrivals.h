// The random draws of the generators: lengths, durations and arrival times.
#pragma once

#include <cstdint>

#include "config/workload.h"
#include "util/rng.h"

namespace stacksim {

// Draws one length from `d` (lognormal values are rounded and clipped to [min, max]).
int64_t draw_length(const LengthDist& d, Rng& rng);

// Draws one duration (s) from `d` (lognormal values are clipped to [min, max]).
double draw_time(const TimeDist& d, Rng& rng);

// `a` with its rate multiplied by `k` (a mix stream's weight).
inline Arrival scaled(Arrival a, double k) {
  a.rate *= k;
  return a;
}

// A renewal process of arrival times (Poisson, or gamma gaps with a cv) with mean rate
// `rate`, the first at t = 0, bent by the arrival's diurnal curve.
class ArrivalProcess {
 public:
  ArrivalProcess(const Arrival& a, uint64_t seed) : a_(a), rng_(seed) {}
  // The next arrival time (s); never less than the previous one.
  double next();

 private:
  Arrival a_;
  Rng rng_;
  double u_ = 0, t_ = 0;
  bool first_ = true;
};

}  // namespace stacksim
