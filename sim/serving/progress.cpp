#include "serving/progress.h"

#include <cmath>
#include <cstdio>
#include <utility>

#include "config/units.h"

namespace stacksim {

namespace {

constexpr double kTerminalDelay = 1.0, kTerminalEvery = 0.25, kLinesEvery = 10.0;  // wall seconds

}  // namespace

Progress::Progress(ProgressMode mode, std::string name, double horizon, double every)
    : mode_(mode),
      name_(std::move(name)),
      horizon_(horizon),
      every_(every >= 0                       ? every
             : mode == ProgressMode::Terminal ? kTerminalEvery
                                              : kLinesEvery),
      next_(every >= 0                       ? every
            : mode == ProgressMode::Terminal ? kTerminalDelay
                                             : kLinesEvery) {}

std::string Progress::line(const std::string& name, double fraction, double now, int64_t done, int64_t in_flight,
                           double elapsed) {
  char buf[256];
  std::string s = name + ": ";
  if (fraction >= 0) {
    std::snprintf(buf, sizeof buf, "%3.0f%% | ", 100 * fraction);
    s += buf;
  }
  std::snprintf(buf, sizeof buf, "%lld requests done, %lld in flight | simulated %s | %s elapsed",
                static_cast<long long>(done), static_cast<long long>(in_flight), format_seconds(now).c_str(),
                format_seconds(elapsed).c_str());
  s += buf;
  // The ETA from the pace so far (the drain after the last arrival is not in it).
  if (fraction > 0.01 && fraction < 1) s += ", ETA " + format_seconds(elapsed * (1 - fraction) / fraction);
  if (fraction >= 1) s += ", draining";
  return s;
}

void Progress::update(const Generator& gen, double now, int64_t done, int64_t in_flight) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (elapsed < next_) return;
  double f = gen.progress(now);
  if (horizon_ > 0) f = std::max(f, std::min(1.0, now / horizon_));
  const std::string text = line(name_, f, now, done, in_flight, elapsed);
  if (mode_ == ProgressMode::Terminal) {
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
  } else {
    std::fprintf(stderr, "stacksim: %s\n", text.c_str());
  }
  next_ = elapsed + every_;
  std::fflush(stderr);
  shown_ = true;
}

void Progress::finish() {
  if (mode_ == ProgressMode::Terminal && shown_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
}

}  // namespace stacksim
