// Coalesced decode (serving/instance.h) against stepping one step at a time: the same
// scenario both ways, every number of the two summaries compared.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "helpers.h"

using nlohmann::json;
using stacksim::Scenario;
using stacksim::test::data;
using stacksim::test::repo;

namespace {

json run_mode(const Scenario& sc, bool step_by_step) {
  stacksim::RunOutputs out;
  out.step_by_step = step_by_step;
  auto results = stacksim::run_isolated(
      {[&] { return json(stacksim::simulate(sc, stacksim::make_generator(sc.workload, sc.seed), out)).dump(); }}, 1);
  if (!results[0].ok) throw std::runtime_error("simulation failed: " + results[0].error);
  return json::parse(results[0].output);
}

// The tolerance: sums of step times are added in the same order both ways, so times agree
// to rounding; a standard deviation is computed from sums of squares, so its rounding
// scales with the mean beside it.
constexpr double kRelative = 1e-9;

// Appends each number of `a` that differs from `b` beyond the tolerance to `why`.
void compare(const json& a, const json& b, const std::string& path, const json* parent, std::string* why) {
  if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      const std::string key = path + "." + it.key();
      if (!b.contains(it.key())) {
        *why += key + " missing; ";
        continue;
      }
      // What the engine did differs on purpose (fewer sleeps); its steps must not.
      if (key == ".engine.calendar_events" || key == ".engine.decode_spans" || key == ".engine.events" ||
          key == ".engine.simgrid_activities" || key == ".engine.activities")
        continue;
      compare(it.value(), b.at(it.key()), key, &a, why);
    }
  } else if (a.is_array()) {
    if (a.size() != b.size()) {
      *why += path + " length " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) + "; ";
      return;
    }
    for (size_t i = 0; i < a.size(); ++i) compare(a[i], b[i], path + "[" + std::to_string(i) + "]", &a, why);
  } else if (a.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    double scale = std::max(std::fabs(x), std::fabs(y));
    const bool is_std = path.size() >= 4 && path.compare(path.size() - 4, 4, ".std") == 0;
    if (is_std && parent && parent->contains("mean"))
      scale = std::max(scale, std::fabs((*parent)["mean"].get<double>()));
    if (std::fabs(x - y) > kRelative * scale)
      *why += path + " " + std::to_string(x) + " vs " + std::to_string(y) + "; ";
  } else if (a != b) {
    *why += path + " " + a.dump() + " vs " + b.dump() + "; ";
  }
}

// Runs every variant of `file` (with `overrides`) both ways and compares. Returns the
// decode spans the coalesced runs used (so that a case cannot pass by never coalescing).
int64_t check_same(const std::string& file, const std::vector<stacksim::Override>& overrides = {}) {
  int64_t spans = 0;
  for (const Scenario& sc : stacksim::load_fitting_scenarios(file, overrides)) {
    const json coalesced = run_mode(sc, false), stepped = run_mode(sc, true);
    std::string why;
    compare(coalesced, stepped, "", nullptr, &why);
    INFO(file << " [" << sc.name << "]: " << why);
    CHECK(why.empty());
    CHECK(stepped["engine"]["decode_spans"] == 0);
    CHECK(coalesced["engine"]["calendar_events"].get<int64_t>() <= stepped["engine"]["calendar_events"].get<int64_t>());
    spans += coalesced["engine"]["decode_spans"].get<int64_t>();
  }
  return spans;
}

}  // namespace

TEST_CASE("coalesced decode gives the summary of stepping one step at a time", "[serving][coalesce]") {
  SECTION("colocated, bursty arrivals") { CHECK(check_same(data("busy.yaml")) > 100); }
  SECTION("routers, disaggregated serving, another seed") { CHECK(check_same(data("variants.yaml")) > 100); }
  SECTION("a prefix cache under KV pressure") { CHECK(check_same(data("cache-pressure.yaml")) > 100); }
  SECTION("a horizon cuts the run") { CHECK(check_same(data("busy.yaml"), {{"simulation.horizon", "2 s"}}) > 10); }
  SECTION("MTP: a step gives several tokens") {
    CHECK(check_same(data("lone.yaml"), {{"serving.mtp", "{draft_tokens: 1, acceptance: 0.8}"},
                                         {"workload.output_tokens", "{distribution: fixed, value: 451}"}}) > 0);
  }
  SECTION("closed loop: a completion readies the next request at the same instant") {
    CHECK(check_same(data("lone.yaml"), {{"workload.users", "4"}, {"workload.requests", "20"}}) > 0);
  }
  SECTION("on-demand KV with preemption (recompute, swap)") {
    CHECK(check_same(repo("scenarios/preemption.yaml")) > 100);
  }
  SECTION("chip failures interrupt spans") { CHECK(check_same(repo("scenarios/failures.yaml")) > 100); }
}
