#include "serving/calendar.h"

#include <algorithm>
#include <cmath>

namespace stacksim {

void Calendar::at(double t, void* target, Fire fire, uint64_t tag) {
  heap_.push({std::max(t, now_), order_++, target, fire, tag});
}

void Calendar::run(Flows* flows) {
  while (!stopped_) {
    const bool flowing = flows && flows->under_way();
    if (heap_.empty() && !flowing) break;
    const double next = heap_.empty() ? INFINITY : heap_.top().t;
    // A flow that lands before the next event is handled first, at its own time (its
    // landing may schedule events earlier than `next`: look again).
    if (flowing && next >= flows->earliest() && flows->wait(next)) continue;
    if (heap_.empty()) break;  // (no flow ended: SimGrid has nothing left either)
    const Event e = heap_.top();
    heap_.pop();
    now_ = std::max(now_, e.t);
    ++fired_;
    e.fire(e.target, e.tag);
  }
}

}  // namespace stacksim
