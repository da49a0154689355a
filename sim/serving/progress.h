// The progress of one simulation (`stacksim run` without -q): how far the workload has
// come (its count or duration, or the horizon) against wall time, with an ETA. On a
// terminal, one line redrawn four times a second once the run has taken a second, erased
// at the end; otherwise a plain line every 10 s of wall time (so that a short run prints
// nothing). Written to stderr by the simulation's process.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "workload/generator.h"

namespace stacksim {

enum class ProgressMode { None, Terminal, Lines };

class Progress {
 public:
  // `every`: wall seconds between displays (< 0: the mode's own, 0.25 s on a terminal and
  // 10 s otherwise; STACKSIM_PROGRESS_INTERVAL sets it, for tests and logs).
  Progress(ProgressMode mode, std::string name, double horizon, double every = -1);
  // At an event (an arrival or a completion): looks at the clock every 256 events.
  void tick(const Generator& gen, double now, int64_t done, int64_t in_flight) {
    if (mode_ == ProgressMode::None || (++events_ & 255) != 0) return;
    update(gen, now, done, in_flight);
  }
  // The run ended: erases the terminal line.
  void finish();

  // The line shown for `fraction` (< 0: unknown) after `elapsed` wall seconds.
  static std::string line(const std::string& name, double fraction, double now, int64_t done, int64_t in_flight,
                          double elapsed);

 private:
  void update(const Generator& gen, double now, int64_t done, int64_t in_flight);

  const ProgressMode mode_;
  const std::string name_;
  const double horizon_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  const double every_;
  double next_ = 0;  // wall seconds of the next display
  uint64_t events_ = 0;
  bool shown_ = false;
};

}  // namespace stacksim
