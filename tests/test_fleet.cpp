// Fleets (fleet/fleet.h): the router's split by each policy, the sketches the clusters'
// percentiles merge through, and the merged summary the same whatever the parallelism.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "fleet/fleet.h"
#include "helpers.h"
#include "metrics/metrics.h"
#include "sweep/store.h"

using stacksim::test::bin;
using stacksim::test::data;
using stacksim::test::read;
using stacksim::test::shell;

namespace {

// tests/data/fleet-tiny.yaml with `router` and `rate` (and optionally `fill`) replaced, in `dir`.
std::string fleet_file(const std::string& dir, const std::string& router, const std::string& rate,
                       const std::string& extra = "") {
  std::string text = read(data("fleet-tiny.yaml"));
  auto swap = [&](const std::string& from, const std::string& to) { text.replace(text.find(from), from.size(), to); };
  swap("router: capacity", "router: " + router + extra);
  swap("rate: 30/s", "rate: " + rate);
  swap("workload: fleet-workload.yaml", "workload: " + data("fleet-workload.yaml"));
  swap("scenario: lone.yaml", "scenario: " + data("lone.yaml"));
  swap("scenario: disagg.yaml", "scenario: " + data("disagg.yaml"));
  const std::string path = dir + "/fleet-" + router + ".yaml";
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("merged sketches give the union's percentiles within 0.5% and its exact mean", "[fleet]") {
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> a(0, 1), b(2, 0.5);
  stacksim::Samples sa, sb(100);  // sb folds past 100 samples: sketches of both kinds
  std::vector<double> all;
  for (int i = 0; i < 20000; ++i) {
    const double x = a(rng), y = b(rng);
    sa.add(x), sb.add(y, 3);
    all.insert(all.end(), {x, y, y, y});
  }
  stacksim::Samples merged(0);
  merged.add_sketch(sa.sketch());
  merged.add_sketch(sb.sketch());
  const stacksim::Percentiles m = merged.percentiles(), exact = stacksim::percentiles(all);
  CHECK(m.count == 80000);
  CHECK(m.mean == Approx(exact.mean).epsilon(1e-12));
  CHECK(m.stdev == Approx(exact.stdev).epsilon(1e-9));
  for (auto [got, want] : {std::pair{m.p50, exact.p50}, {m.p90, exact.p90}, {m.p99, exact.p99}})
    CHECK(std::abs(got / want - 1) <= std::sqrt(stacksim::Samples::kRatio) - 1 + 1e-9);
  // An empty sketch changes nothing.
  merged.add_sketch(stacksim::Samples().sketch());
  CHECK(merged.percentiles().count == 80000);
}

TEST_CASE("the router splits a fleet's load by capacity, by price and by latency", "[fleet]") {
  const stacksim::test::TempDir tmp("stacksim-fleet");
  auto resolve = [&](const std::string& router, const std::string& rate, const std::string& extra = "") {
    return stacksim::resolve_fleet(stacksim::load_fleet(fleet_file(tmp.path(), router, rate, extra)), {});
  };
  const stacksim::Fleet cap = resolve("capacity", "30/s");
  REQUIRE(cap.clusters.size() == 3);
  const double c0 = cap.groups[0].capacity, c1 = cap.groups[1].capacity;
  CHECK(c0 > 0);
  CHECK(c1 > 0);
  // In proportion to capacity, summing to the fleet's rate.
  CHECK(cap.clusters[0].rate == Approx(30 * c0 / (2 * c0 + c1)));
  CHECK(cap.clusters[2].rate == Approx(30 * c1 / (2 * c0 + c1)));
  // A thinned gamma stream (cv 2): cv_i^2 = p cv^2 + 1 - p.
  const double p = cap.clusters[0].rate / 30;
  CHECK(cap.clusters[0].cv == Approx(std::sqrt(4 * p + 1 - p)));
  CHECK(cap.scenarios.size() == 3);
  CHECK(cap.scenarios[1].scenario.seed != cap.scenarios[0].scenario.seed);

  // By price: the cheapest per request at capacity first, each up to fill x capacity.
  const std::string load = std::to_string(0.5 * std::min(c0, c1)) + "/s";
  const stacksim::Fleet price = resolve("price", load, "\n  fill: 0.9");
  const bool colocated_cheaper = price.groups[0].usd_per_request() <= price.groups[1].usd_per_request();
  const size_t first = colocated_cheaper ? 0 : 2;
  CHECK(price.clusters[first].rate == Approx(0.5 * std::min(c0, c1)));
  int idle = 0;
  for (const auto& c : price.clusters) idle += c.rate == 0;
  CHECK(idle == 2);
  CHECK(price.scenarios.size() == 1);
  // Beyond every cluster's fill, the rest spreads by capacity.
  const double over = 2 * (2 * c0 + c1);
  const stacksim::Fleet full = resolve("price", std::to_string(over) + "/s", "\n  fill: 0.5");
  const double rest = over - 0.5 * (2 * c0 + c1);
  CHECK(full.clusters[2].rate == Approx(0.5 * c1 + rest * c1 / (2 * c0 + c1)));

  // A session workload: the router's rates are sessions/s, the screen's requests/s.
  std::string text = read(fleet_file(tmp.path(), "price", "0.5/s"));
  text.replace(text.find("workload: "), text.find('\n', text.find("workload: ")) - text.find("workload: "),
               "workload: " + stacksim::test::repo("workloads/coding-sessions.yaml"));
  std::ofstream(tmp.path() + "/sessions.yaml") << text;
  const stacksim::Fleet ses = stacksim::resolve_fleet(stacksim::load_fleet(tmp.path() + "/sessions.yaml"), {});
  CHECK(ses.groups[0].requests_per_arrival == Approx(17.5).epsilon(0.02));  // 5-30 turns a session
  for (const auto& c : ses.clusters) CHECK(c.rate <= 0.8 * ses.groups[c.group].capacity * (1 + 1e-12));
  CHECK(ses.scenarios[0].scenario.workload.load_scale == 1);

  // By latency: the lowest light-load latency first.
  const stacksim::Fleet lat = resolve("latency", load);
  const size_t fastest = lat.groups[0].latency <= lat.groups[1].latency ? 0 : 2;
  CHECK(lat.clusters[fastest].rate == Approx(0.5 * std::min(c0, c1)));
}

TEST_CASE("a fleet's merged summary is the same with --jobs 1, --jobs 2 and mpirun, and sums its clusters", "[fleet]") {
  const stacksim::test::TempDir tmp("stacksim-fleet");
  const std::string dir = tmp.path(), fleet = fleet_file(dir, "capacity", "30/s");
  auto run = [&](const std::string& name, const std::string& prefix, const std::string& opts) {
    const auto r = shell(prefix + bin() + " fleet " + fleet + " --db " + dir + "/" + name + ".db --json " + dir + "/" +
                         name + ".json " + opts);
    INFO(r.output);
    REQUIRE(r.code == 0);
    return read(dir + "/" + name + ".json");
  };
  const std::string one = run("one", "", "--jobs 1");
  CHECK(run("two", "", "--jobs 2") == one);
  const std::string mpirun = stacksim::test::mpirun_2();
  if (!mpirun.empty()) CHECK(run("mpi", mpirun, "") == one);
  // The fleet's totals are its clusters' sums (their rows in the database, and the fleet's row).
  const nlohmann::json s = nlohmann::json::parse(one);
  int64_t completed = 0, generated = 0, ttft_count = 0, chip_failures = 0;
  double usd = 0;
  int rows = 0, fleet_rows = 0;
  for (const auto& r : stacksim::ResultStore(dir + "/one.db", stacksim::ResultStore::Mode::ReadOnly).all()) {
    const nlohmann::json c = nlohmann::json::parse(r.summary);
    if (r.index < 0) {
      ++fleet_rows;
      CHECK(c == s);
      continue;
    }
    ++rows;
    completed += c["requests"]["completed"].get<int64_t>();
    generated += c["requests"]["generated"].get<int64_t>();
    ttft_count += c["latency_s"]["ttft"]["count"].get<int64_t>();
    usd += c["cost"]["usd_total"].get<double>();
    chip_failures += c["failures"]["chip_failures"].get<int64_t>();
  }
  CHECK(rows == 3);
  CHECK(fleet_rows == 1);
  CHECK(s["requests"]["completed"] == completed);
  CHECK(s["requests"]["generated"] == generated);
  CHECK(s["latency_s"]["ttft"]["count"] == ttft_count);
  CHECK(s["cost"]["usd_total"].get<double>() == Approx(usd));
  CHECK(chip_failures > 0);  // the disaggregated cluster's chips fail (its scenario's failures: set)
  CHECK(s["failures"]["chip_failures"] == chip_failures);
  // About rate x duration arrivals in all (gamma arrivals: within 15%).
  CHECK(double(generated) == Approx(30 * 20).epsilon(0.15));
  // A rerun finds every cluster in the database and simulates none.
  const auto again = shell(bin() + " fleet " + fleet + " --db " + dir + "/one.db --json " + dir + "/again.json");
  CHECK(again.code == 0);
  CHECK(read(dir + "/again.json") == one);
  CHECK(again.output.find("fleet: 4 results") != std::string::npos);
}

TEST_CASE("bad fleet files fail with one line naming the file, the line and the key", "[fleet]") {
  const stacksim::test::TempDir tmp("stacksim-fleet");
  const std::string dir = tmp.path();
  const std::string base = read(fleet_file(dir, "capacity", "30/s"));
  auto fails = [&](const std::string& from, const std::string& to, const std::string& message) {
    std::string text = base;
    text.replace(text.find(from), from.size(), to);
    const std::string path = dir + "/bad.yaml";
    std::ofstream(path) << text;
    const auto r = shell(bin() + " fleet " + path + " --db " + dir + "/bad.db --dry-run");
    INFO(r.output);
    CHECK(r.code == 2);
    CHECK(r.output.find(path + ":") != std::string::npos);
    CHECK(r.output.find(message) != std::string::npos);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  };
  fails("router: capacity", "router: cheapest", "fleet.router");
  fails("count: 2", "count: 0", "count");
  fails("rate: 30/s", "rate: 30 GB", "fleet.rate");
  fails("duration: 20 s", "duration: 20 s\n  extra: 1", "fleet.extra");
  fails("workload: " + data("fleet-workload.yaml"), "workload: " + data("lone.yaml"), "needs an arrival process");
  fails("count: 1,", "count: 1, variant: nope,", "has no variant \"nope\"");
  fails("set: {failures", "set: {seed: 9, failures", "fleet.clusters[1].set.seed: the fleet sets this");
  fails("set: {failures", "set: {workload.arrival.rate: 9/s, failures", "set.workload.arrival.rate: the fleet sets");
  fails("set: {failures", "set: {serving.nonsense: 3, failures", "fleet.clusters[1].scenario: this cluster's scenario");
  fails("duration: 20 s", "duration: 1e9 s", "more than the 1000000000 one fleet takes");
  // --dry-run: the routing, and no figure of a run that did not happen.
  const auto dry = shell(bin() + " fleet " + fleet_file(dir, "capacity", "30/s") + " --dry-run");
  CHECK(dry.code == 0);
  CHECK(dry.output.find("30.0 |         - |") != std::string::npos);
  CHECK(dry.output.find("0.000") == std::string::npos);
  // A fleet file given to `run`, and a scenario given to `fleet`.
  const auto run = shell(bin() + " run " + data("fleet-tiny.yaml"));
  CHECK(run.code == 2);
  CHECK(run.output.find("fleet-tiny.yaml:4:3: fleet: a fleet file, not a scenario") != std::string::npos);
  const auto fleet = shell(bin() + " fleet " + data("lone.yaml") + " --dry-run");
  CHECK(fleet.code == 2);
  CHECK(fleet.output.find("lone.yaml") != std::string::npos);
}
