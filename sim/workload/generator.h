// Request generators: pure, seeded producers of (arrival time, input tokens, output
// tokens, stream, session, prefix blocks). The serving simulation pulls from one;
// nothing here knows about SimGrid.
//
// Generators of multi-turn sessions (coding_sessions), of N users (closed_loop) and
// mixes containing them are closed loops: their next request may only become ready when
// the caller reports a completion through on_complete.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "config/workload.h"
#include "workload/request.h"

namespace stacksim {

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
  // How far the workload has come at simulated time `now`, in [0, 1]: what it has issued
  // against its count, or the time against its duration (the further); < 0 when it cannot
  // tell. For the progress display only.
  virtual double progress(double /*now*/) const { return -1; }
};

// `done` of `total` as a fraction in [0, 1] (< 0 when total is 0: no such bound).
inline double fraction(double done, double total) { return total > 0 ? std::min(1.0, done / total) : -1; }

// REQUIRES: a Workload as workload_from_yaml read it. Its kind (workload/kinds.h) makes
// the generator. Trace files are read here; a bad trace throws ConfigError.
// Each stream of a mix gets its own seed, stream_seed(seed, "mix/<i>/<name>"), and its
// arrival rate multiplied by its weight (traces: its time_scale).
std::unique_ptr<Generator> make_generator(const Workload& w, uint64_t seed);

// Replays `rows` in order (their arrivals must not decrease): a trace's rows, or given
// requests in exact tests.
std::unique_ptr<Generator> make_trace_generator(std::vector<RequestSpec> rows);

}  // namespace stacksim
