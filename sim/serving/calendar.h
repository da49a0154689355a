// Calendar: the serving simulation's own event list. The source's arrivals, every
// instance step and coalesced span, the failure injector and the timeline's sampler are
// events in one heap, fired in (time, order of scheduling) order, so that events due at
// the same instant run in the order they were scheduled, deterministically. Firing one
// costs a heap operation, not a SimGrid activity.
//
// SimGrid keeps what it is for: the platform and the KV flows that share its links
// (serving/kv_transfer.h). The calendar fires its events without SimGrid as long as no
// flow can have landed by then: before an event at or after the flows' earliest possible
// landing (Flows::earliest(), a lower bound from each flow's bytes left over the
// bandwidth of its path's slowest link) it runs SimGrid's clock up to the event (Flows::wait), so that a flow
// landing first is handled at its own time. Otherwise SimGrid's clock stays behind, and
// the next flow first brings it to the calendar's time. The whole calendar runs inside one
// SimGrid actor (run()).
#pragma once

#include <cstdint>
#include <vector>

namespace stacksim {

class Calendar {
 public:
  using Fire = void (*)(void* target, uint64_t tag);

  // What the calendar waits for besides its own events: the flows under way in SimGrid.
  class Flows {
   public:
    virtual ~Flows() = default;
    virtual bool under_way() const = 0;
    // No flow under way lands before this time.
    virtual double earliest() const = 0;
    // Runs SimGrid's clock until `until` (infinity: without a bound) or until flows end;
    // handles those that ended (at SimGrid's time) and returns whether any did. (It may
    // find, looking again, that none can land by `until`, and return false at once.)
    virtual bool wait(double until) = 0;
  };

  // Schedules fire(target, tag) at time t (never before now()).
  void at(double t, void* target, Fire fire, uint64_t tag = 0);
  double now() const { return now_; }
  // A flow ended at SimGrid's time t (Flows::wait): the calendar's time moves to it.
  void advance_to(double t) {
    if (t > now_) now_ = t;
  }
  // Fires events until stop(), or until no event is left and no flow is under way.
  void run(Flows* flows);
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }
  int64_t fired() const { return fired_; }

 private:
  struct Event {
    double t;
    uint64_t order;
    void* target;
    Fire fire;
    uint64_t tag;
  };
  static bool before(const Event& a, const Event& b) { return a.t != b.t ? a.t < b.t : a.order < b.order; }
  // A binary min-heap on (t, order). The event being fired stays on top until it is
  // replaced by the first event its firing schedules (one sift down instead of a pop and
  // a push: most firings schedule their target's next event) or popped after it.
  void push(const Event& e);
  void replace_top(const Event& e);
  void pop_top();
  std::vector<Event> heap_;
  bool top_firing_ = false;  // heap_.front() is the event being fired
  double now_ = 0;
  uint64_t order_ = 0;
  int64_t fired_ = 0;
  bool stopped_ = false;
};

}  // namespace stacksim
