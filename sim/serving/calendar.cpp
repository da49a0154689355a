#include "serving/calendar.h"

#include <algorithm>
#include <cmath>

namespace stacksim {

void Calendar::at(double t, void* target, Fire fire, uint64_t tag) {
  const Event e{std::max(t, now_), order_++, target, fire, tag};
  if (top_firing_) {
    top_firing_ = false;
    replace_top(e);
  } else {
    push(e);
  }
}

void Calendar::push(const Event& e) {
  size_t hole = heap_.size();
  heap_.emplace_back();
  while (hole > 0) {
    const size_t parent = (hole - 1) / 2;
    if (!before(e, heap_[parent])) break;
    heap_[hole] = heap_[parent];
    hole = parent;
  }
  heap_[hole] = e;
}

void Calendar::replace_top(const Event& e) {
  const size_t n = heap_.size();
  size_t hole = 0;
  while (true) {
    size_t child = 2 * hole + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], e)) break;
    heap_[hole] = heap_[child];
    hole = child;
  }
  heap_[hole] = e;
}

void Calendar::pop_top() {
  const Event last = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) replace_top(last);
}

void Calendar::run(Flows* flows) {
  while (!stopped_) {
    const bool flowing = flows && flows->under_way();
    if (heap_.empty() && !flowing) break;
    const double next = heap_.empty() ? INFINITY : heap_.front().t;
    // A flow that lands before the next event is handled first, at its own time (its
    // landing may schedule events earlier than `next`: look again).
    if (flowing && next >= flows->earliest() && flows->wait(next)) continue;
    if (heap_.empty()) break;  // (no flow ended: SimGrid has nothing left either)
    const Event e = heap_.front();
    top_firing_ = true;
    now_ = std::max(now_, e.t);
    ++fired_;
    // However the firing ends (a throw too: never fired twice), the fired event leaves
    // the heap if nothing it scheduled took its slot.
    struct Settle {
      Calendar* cal;
      ~Settle() {
        if (!cal->top_firing_) return;
        cal->top_firing_ = false;
        cal->pop_top();
      }
    } settle{this};
    e.fire(e.target, e.tag);
  }
}

}  // namespace stacksim
