#include "workload/arrivals.h"

#include <algorithm>
#include <cmath>

namespace stacksim {

namespace {

// A lognormal draw with the given mean and coefficient of variation.
double lognormal(double mean, double cv, Rng& rng) {
  const double s2 = std::log(1 + cv * cv);
  const double mu = std::log(mean) - s2 / 2;
  return std::exp(mu + std::sqrt(s2) * rng.normal());
}

}  // namespace

int64_t draw_length(const LengthDist& d, Rng& rng) {
  switch (d.kind) {
    case LengthDist::Kind::Fixed: return d.value;
    case LengthDist::Kind::Uniform: return d.min + static_cast<int64_t>(rng.uniform() * double(d.max - d.min + 1));
    case LengthDist::Kind::Lognormal: {
      const double r = std::round(lognormal(d.mean, d.cv, rng));
      return r < d.min ? d.min : r > d.max ? d.max : static_cast<int64_t>(r);
    }
  }
  return d.min;
}

double draw_time(const TimeDist& d, Rng& rng) {
  switch (d.kind) {
    case LengthDist::Kind::Fixed: return d.value;
    case LengthDist::Kind::Uniform: return d.min + rng.uniform() * (d.max - d.min);
    case LengthDist::Kind::Lognormal: return std::clamp(lognormal(d.mean, d.cv, rng), d.min, d.max);
  }
  return d.min;
}

namespace {

// Real time t at which a diurnal curve has accumulated `u` seconds of mean-rate time
// ("operational time"): the inverse of
//   Λ(t) = t + amplitude × period / 2π × (sin(2π (t − peak) / period) + sin(2π peak / period)),
// the integral from 0 of the relative rate 1 + amplitude × cos(2π (t − peak) / period).
// Λ is increasing (its slope is at least 1 − amplitude > 0) and |Λ(t) − t| ≤ 2c below,
// so Newton steps kept inside a shrinking bracket converge.
double diurnal_time(const Diurnal& d, double u) {
  if (d.amplitude == 0) return u;
  const double w = 2 * M_PI / d.period, c = d.amplitude / w;
  double lo = std::max(0.0, u - 2 * c), hi = u + 2 * c, t = u;
  const double tolerance = 1e-12 * std::max(1.0, u);
  for (int i = 0; i < 200 && hi - lo > tolerance; ++i) {
    const double f = t + c * (std::sin(w * (t - d.peak)) + std::sin(w * d.peak)) - u;
    if (f == 0) break;
    (f > 0 ? hi : lo) = t;
    const double newton = t - f / (1 + d.amplitude * std::cos(w * (t - d.peak)));
    t = newton > lo && newton < hi ? newton : (lo + hi) / 2;
  }
  return t;
}

}  // namespace

double ArrivalProcess::next() {
  const double mean = 1.0 / a_.rate;
  double gap;
  if (a_.kind == Arrival::Kind::Poisson) {
    gap = -mean * std::log(1 - rng_.uniform());
  } else {
    const double shape = 1.0 / (a_.cv * a_.cv);
    gap = rng_.gamma(shape) * mean / shape;
  }
  // A gap is drawn for the first arrival too, so that the stream of draws is the same
  // whatever the first arrival.
  u_ = first_ ? 0 : u_ + gap;
  first_ = false;
  t_ = std::max(t_, diurnal_time(a_.diurnal, u_));
  return t_;
}

}  // namespace stacksim
