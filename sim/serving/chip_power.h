// ChipPower: each chip's energy as the run goes. A chip draws its idle or its busy power
// while on (busy while its instance steps), nothing while off (failed); a repaired chip
// takes its instance's state again. The integral is exact: the draw only changes at those
// events.
// (SimGrid's energy plugin integrates over SimGrid's clock, which the calendar moves only
// while KV flows are under way: serving/calendar.h.)
#pragma once

#include <vector>

namespace stacksim {

class ChipPower {
 public:
  // The next chip, with its idle and busy draw (W).
  void add(double idle_watts, double busy_watts) { chips_.push_back({idle_watts, busy_watts}); }
  // Chips [first, first + n) start or stop stepping at `now` (those off keep their state).
  void set_busy(int first, int n, bool busy, double now) {
    for (int c = first; c < first + n; ++c) {
      Chip& chip = chips_[size_t(c)];
      if (!chip.on || chip.busy == busy) continue;
      settle(chip, now);
      chip.busy = busy;
    }
  }
  // Chip c fails (off) or is repaired (on, busy as its instance is) at `now`.
  void set_on(int c, bool on, double now, bool busy = false) {
    Chip& chip = chips_[size_t(c)];
    settle(chip, now);
    chip.on = on;
    if (on) chip.busy = busy;
  }
  // Chip c's energy from time 0 to `now` (J).
  double joules(int c, double now) const {
    const Chip& chip = chips_[size_t(c)];
    return chip.joules + chip.watts() * (now - chip.since);
  }

 private:
  struct Chip {
    double idle_watts, busy_watts;
    double since = 0, joules = 0;  // energy up to `since`
    bool busy = false, on = true;
    double watts() const { return on ? (busy ? busy_watts : idle_watts) : 0; }
  };
  static void settle(Chip& chip, double now) {
    chip.joules += chip.watts() * (now - chip.since);
    chip.since = now;
  }
  std::vector<Chip> chips_;
};

}  // namespace stacksim
