// The calendar (serving/calendar.h): its order of events, its clock, stopping, and how it
// defers to the flows under way; and the chips' energy (serving/chip_power.h).
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "serving/calendar.h"
#include "serving/chip_power.h"

using stacksim::Calendar;
using stacksim::ChipPower;

namespace {

// Records (time, tag) of each event it fires; an event may schedule more.
struct Recorder {
  Calendar* cal;
  std::vector<std::pair<double, uint64_t>> fired;
  std::vector<std::pair<double, uint64_t>> then;  // scheduled by the first event fired
  static void fire(void* p, uint64_t tag) {
    auto* r = static_cast<Recorder*>(p);
    r->fired.emplace_back(r->cal->now(), tag);
    for (const auto& [t, g] : r->then) r->cal->at(t, r, fire, g);
    r->then.clear();
  }
};

// Flows that land at given times, seen only through wait(): the calendar must not fire an
// event past a landing before it, nor ask when the next event comes before earliest().
struct FakeFlows : Calendar::Flows {
  Calendar* cal;
  std::vector<double> landings;  // ascending
  double clock = 0;              // "SimGrid's" clock
  int waits = 0;
  std::vector<double> landed;
  bool under_way() const override { return !landings.empty(); }
  double earliest() const override { return landings.empty() ? INFINITY : landings.front() - 0.5; }
  bool wait(double until) override {
    ++waits;
    if (landings.front() > until) {
      clock = until;
      return false;
    }
    clock = landings.front();
    landings.erase(landings.begin());
    cal->advance_to(clock);
    landed.push_back(cal->now());
    return true;
  }
};

}  // namespace

TEST_CASE("the calendar fires by time, then in the order events were scheduled", "[calendar]") {
  Calendar cal;
  Recorder r{&cal, {}, {}};
  cal.at(2, &r, Recorder::fire, 1);
  cal.at(1, &r, Recorder::fire, 2);
  cal.at(2, &r, Recorder::fire, 3);
  cal.at(1, &r, Recorder::fire, 4);
  cal.run(nullptr);
  const std::vector<std::pair<double, uint64_t>> want = {{1, 2}, {1, 4}, {2, 1}, {2, 3}};
  CHECK(r.fired == want);
  CHECK(cal.fired() == 4);
  CHECK(cal.now() == 2);
}

TEST_CASE("an event scheduled in the past fires now, after those already due now", "[calendar]") {
  Calendar cal;
  Recorder r{&cal, {}, {{0.5, 9}, {3, 8}}};
  cal.at(1, &r, Recorder::fire, 1);
  cal.at(1, &r, Recorder::fire, 2);
  cal.run(nullptr);
  const std::vector<std::pair<double, uint64_t>> want = {{1, 1}, {1, 2}, {1, 9}, {3, 8}};
  CHECK(r.fired == want);
}

TEST_CASE("stop() ends the run after the event that calls it", "[calendar]") {
  Calendar cal;
  struct Stopper {
    static void fire(void* c, uint64_t) { static_cast<Calendar*>(c)->stop(); }
  };
  Recorder r{&cal, {}, {}};
  cal.at(1, &r, Recorder::fire, 1);
  cal.at(2, &cal, Stopper::fire);
  cal.at(3, &r, Recorder::fire, 3);
  cal.run(nullptr);
  CHECK(r.fired.size() == 1);
  CHECK(cal.stopped());
  CHECK(cal.now() == 2);
}

TEST_CASE("the calendar runs ahead of the flows up to their earliest landing, no further", "[calendar]") {
  Calendar cal;
  Recorder r{&cal, {}, {}};
  FakeFlows flows;
  flows.cal = &cal;
  flows.landings = {2.0, 2.25, 10.0};  // earliest(): 1.5, then 1.75, then 9.5
  for (double t : {0.5, 1.0, 2.1, 2.2, 4.0, 12.0}) cal.at(t, &r, Recorder::fire, uint64_t(t * 10));
  cal.run(&flows);
  // Each landing comes before the events after it, at its own time.
  CHECK(flows.landed == std::vector<double>{2.0, 2.25, 10.0});
  const std::vector<std::pair<double, uint64_t>> want = {{0.5, 5},  {1.0, 10}, {2.1, 21},
                                                         {2.2, 22}, {4.0, 40}, {12.0, 120}};
  CHECK(r.fired == want);
  // SimGrid is asked only for events at or after the earliest landing: none for 0.5 and 1.0
  // (before 1.5); for 2.1 one wait that lands 2.0 and one that reaches 2.1 (2.25 is later);
  // one for 2.2; for 4.0 one that lands 2.25 (then 9.5 is the earliest, 4.0 fires without);
  // for 12.0 one that lands 10.0.
  CHECK(flows.waits == 5);
}

TEST_CASE("a calendar with nothing scheduled waits for the flows to land", "[calendar]") {
  Calendar cal;
  FakeFlows flows;
  flows.cal = &cal;
  flows.landings = {5.0};
  cal.run(&flows);
  CHECK(flows.landed == std::vector<double>{5.0});
  CHECK(cal.now() == 5.0);
}

TEST_CASE("chip energy: idle and busy power, nothing while off, the instance's state after repair", "[energy]") {
  ChipPower p;
  p.add(100, 500);
  p.add(100, 500);
  p.set_busy(0, 2, true, 10);    // both busy from 10 s
  p.set_on(1, false, 20);        // chip 1 fails at 20 s
  p.set_busy(0, 2, false, 30);   // the instance stops at 30 s
  p.set_on(1, true, 40, false);  // repaired at 40 s, its instance idle: idle power
  CHECK(p.joules(0, 50) == Approx(100 * 10 + 500 * 20 + 100 * 20));
  CHECK(p.joules(1, 50) == Approx(100 * 10 + 500 * 10 + 0 * 20 + 100 * 10));
  // Reading does not change the integral.
  CHECK(p.joules(0, 50) == p.joules(0, 50));
  const double at50 = p.joules(0, 50);
  p.set_busy(0, 2, true, 50);   // stepping again
  p.set_on(0, false, 60);       // chip 0 fails mid-step
  p.set_on(0, true, 70, true);  // and is back while its instance steps: busy power
  CHECK(p.joules(0, 80) == Approx(at50 + 500 * 10 + 0 * 10 + 500 * 10));
}
