// The calendar (serving/calendar.h): its order of events, its clock, stopping, and how it
// defers to the flows under way; and the chips' energy (serving/chip_power.h).
#include <catch2/catch.hpp>
#include <cmath>
#include <queue>
#include <stdexcept>
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

namespace {

// Each firing schedules 0-3 more events (some at or before now), drawn from a seeded
// generator: the calendar's own heap must fire them in the order a plain priority queue
// on (max(t, now), order of scheduling) does.
struct Churn {
  Calendar* cal = nullptr;
  uint64_t state = 12345, next_tag = 0;
  int budget = 20000;
  std::vector<std::pair<double, uint64_t>> fired;
  uint64_t draw() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  }
  // What one firing schedules: (offset from now, tag) pairs.
  std::vector<std::pair<double, uint64_t>> spawn() {
    std::vector<std::pair<double, uint64_t>> out;
    const int k = budget > 0 ? int(draw() % 4) : 0;
    for (int i = 0; i < k && budget > 0; ++i, --budget) {
      const uint64_t d = draw() % 8;
      out.emplace_back(d == 0 ? -1.0 : d == 1 ? 0.0 : double(d % 5), next_tag++);
    }
    return out;
  }
  static void fire(void* p, uint64_t tag) {
    auto* c = static_cast<Churn*>(p);
    c->fired.emplace_back(c->cal->now(), tag);
    for (const auto& [dt, g] : c->spawn()) c->cal->at(c->cal->now() + dt, c, fire, g);
  }
};

}  // namespace

TEST_CASE("the calendar's heap fires as a priority queue on (time, order) does", "[calendar]") {
  Calendar cal;
  Churn c;
  c.cal = &cal;
  for (int i = 0; i < 50; ++i) cal.at(double(c.draw() % 10), &c, Churn::fire, c.next_tag++);
  cal.run(nullptr);

  // The reference: the same draws, a std::priority_queue.
  Churn ref;
  struct Ev {
    double t;
    uint64_t order, tag;
  };
  auto later = [](const Ev& a, const Ev& b) { return a.t != b.t ? a.t > b.t : a.order > b.order; };
  std::priority_queue<Ev, std::vector<Ev>, decltype(later)> q(later);
  uint64_t order = 0;
  double now = 0;
  for (int i = 0; i < 50; ++i) q.push({double(ref.draw() % 10), order++, ref.next_tag++});
  std::vector<std::pair<double, uint64_t>> expected;
  while (!q.empty()) {
    const Ev e = q.top();
    q.pop();
    now = std::max(now, e.t);
    expected.emplace_back(now, e.tag);
    for (const auto& [dt, g] : ref.spawn()) q.push({std::max(now + dt, now), order++, g});
  }
  REQUIRE(expected.size() > 20000);
  CHECK(c.fired == expected);
}

TEST_CASE("an event that throws is not fired again", "[calendar]") {
  Calendar cal;
  int calls = 0;
  struct Thrower {
    int* calls;
    static void fire(void* p, uint64_t) {
      ++*static_cast<Thrower*>(p)->calls;
      throw std::runtime_error("boom");
    }
  } t{&calls};
  Recorder r{&cal, {}, {}};
  cal.at(1, &t, Thrower::fire);
  cal.at(2, &r, Recorder::fire, 7);
  CHECK_THROWS(cal.run(nullptr));
  cal.run(nullptr);  // the thrower's event is gone; the next one fires once
  CHECK(calls == 1);
  REQUIRE(r.fired.size() == 1);
  CHECK(r.fired[0].second == 7);
}
