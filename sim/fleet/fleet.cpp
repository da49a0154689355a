// Reading a fleet file, screening its clusters and routing the load (fleet/fleet.h).
#include "fleet/fleet.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <set>

#include "config/yaml_reader.h"
#include "perf/capacity.h"
#include "perf/fit.h"
#include "perf/perf_model.h"
#include "sweep/search.h"
#include "util/hash.h"
#include "util/table.h"

namespace stacksim {

namespace {

// Keys the router sets in every cluster's scenario: a cluster's `set:` (or --set) may not.
bool routed_key(const std::string& key) {
  for (const char* k : {"seed", "workload"})
    if (key == k) return true;
  for (const char* k : {"workload.arrival", "workload.duration", "workload.load_scale", "workload.requests",
                        "workload.sessions", "workload.jobs"})
    if (key.compare(0, std::strlen(k), k) == 0 && (key.size() == std::strlen(k) || key[std::strlen(k)] == '.'))
      return true;
  return false;
}

FleetGroup read_group(MapReader g, const std::string& fleet_file) {
  FleetGroup out;
  out.at = g.where("scenario");
  out.scenario = g.file_at("scenario");
  out.variant = g.has("variant") ? g.name("variant") : "";
  out.count = g.integer_or("count", 1, 1, 1000000);
  if (g.has("set")) {
    const YAML::Node s = g.node("set");
    if (!s.IsMap()) fail_at(s, g.origin(), g.path_of("set"), "expected a mapping of key: value");
    for (const auto& kv : s) {
      if (routed_key(kv.first.Scalar()))
        fail_at(kv.first, g.origin(), g.path_of("set") + "." + kv.first.Scalar(),
                "the fleet sets this in every cluster (its workload, rate, duration and seed)");
      out.set.push_back({kv.first.Scalar(), value_for(kv.first.Scalar(), kv.second, fleet_file)});
    }
  }
  out.name = g.has("name") ? g.name("name") : "";
  g.finish();
  return out;
}

// The workload's top level: an arrival process the router can split (its gap variation
// and the keys bounding its count go to `f`).
void read_workload_shape(FleetSpec* fleet) {
  const FleetSpec& f = *fleet;
  const YAML::Node w = load_yaml_file(f.workload);
  const YAML::Node a = w.IsMap() ? w["arrival"] : YAML::Node();
  if (!a || !a.IsMap() || !a["rate"])
    f.workload_at.fail(
        "a fleet's workload needs an arrival process (arrival: {type, rate}) at its top level, which the "
        "router splits; traces, closed loops and mixes are not split");
  if (a["type"] && a["type"].IsScalar() && a["type"].Scalar() == "gamma" && a["cv"])
    fleet->workload_cv = parse_quantity(a["cv"].Scalar(), Dimension::Number, nullptr).value_or(1);
  for (const char* k : {"requests", "sessions", "jobs"})
    if (w[k]) fleet->workload_counts.push_back(k);
}

}  // namespace

FleetSpec load_fleet(const std::string& path) {
  FleetSpec f;
  f.file = path;
  const YAML::Node root = load_yaml_file(path);
  MapReader top(root, path, "");
  MapReader r = top.child("fleet");
  top.finish();
  f.name = r.name("name");
  f.seed = uint64_t(r.integer_or("seed", 1, 0));
  f.at = r.where("rate");
  f.workload_at = r.where("workload");
  f.workload = r.file_at("workload");
  f.rate = r.quantity("rate", Dimension::Rate, 1e-9);
  f.duration = r.quantity("duration", Dimension::Time, 1e-6);
  if (f.rate * f.duration > double(kMaxRequests))
    r.fail("duration", strprintf("about %.3g arrivals (rate x duration), more than the %lld one fleet takes",
                                 f.rate * f.duration, static_cast<long long>(kMaxRequests)));
  f.policy = r.choice_or("router", {"capacity", "price", "latency"}, "capacity");
  f.fill = r.quantity_or("fill", Dimension::Number, 0.8, 0.01, 1);
  const YAML::Node list = r.list("clusters");
  for (size_t i = 0; i < list.size(); ++i)
    f.groups.push_back(read_group(MapReader(list[i], r.origin(), "fleet.clusters[" + std::to_string(i) + "]"), path));
  r.finish();
  read_workload_shape(&f);  // checked before anything is screened
  return f;
}

namespace {

// A group's scenario with the fleet's workload at `rate` (arrivals/s) and gap variation `cv`.
Scenario group_scenario(const FleetSpec& f, const FleetGroup& g, const std::vector<Override>& cli, double rate,
                        double cv, double duration, uint64_t seed) {
  std::vector<Override> o = {{"workload", f.workload},
                             {"workload.arrival.rate", strprintf("%.17g/s", rate)},
                             {"workload.duration", strprintf("%.17g s", duration)},
                             {"workload.load_scale", "1"},  // the routed rate is the cluster's rate
                             {"seed", std::to_string(seed)}};
  if (f.workload_cv != 1) o.push_back({"workload.arrival.cv", strprintf("%.17g", cv)});
  for (const std::string& k : f.workload_counts) o.push_back({"workload." + k, "~"});
  o.insert(o.end(), g.set.begin(), g.set.end());
  o.insert(o.end(), cli.begin(), cli.end());
  std::vector<Scenario> scs;
  try {
    scs = load_scenarios(g.scenario, o, check_fit);
  } catch (const ConfigError& e) {  // named at the group too: which cluster of which fleet
    g.at.fail(std::string("this cluster's scenario: ") + e.what());
  }
  if (g.variant.empty()) {
    if (scs.size() != 1)
      g.at.fail(g.scenario + " has " + std::to_string(scs.size()) + " variants: name one (variant: NAME)");
    return std::move(scs[0]);
  }
  for (Scenario& s : scs)
    if (s.name == g.variant) return std::move(s);
  g.at.fail(g.scenario + " has no variant \"" + g.variant + "\"");
}

// Each pool's role, perf model and screen estimate at a given rate.
struct GroupScreen {
  const Scenario& sc;
  LoadStats load;
  std::vector<std::unique_ptr<PerfModel>> models;
  std::vector<std::string> roles;

  GroupScreen(const Scenario& s, LoadStats l) : sc(s), load(std::move(l)) {
    for (size_t p = 0; p < sc.pools.size(); ++p) {
      const PoolSpec& pool = sc.pools[p];
      models.push_back(std::make_unique<PerfModel>(pool.model, pool.platform, pool.serving));
      roles.push_back(sc.disaggregated() ? (p == 0 ? "prefill" : "decode") : "colocated");
    }
  }
  std::vector<PoolEstimate> at(double rate) {
    load.rate = rate;
    std::vector<PoolEstimate> out;
    for (size_t p = 0; p < sc.pools.size(); ++p)
      out.push_back(estimate_pool(*models[p], sc.pools[p].serving, load, roles[p], sc.pools[p].serving.instances()));
    return out;
  }
  // Every pool stable and, `slo`, within the workload's targets at p90.
  bool ok(double rate, bool slo) {
    const Slo& t = sc.workload.slo;
    const double frontend = sc.pools.front().serving.frontend_latency;
    const std::vector<PoolEstimate> e = at(rate);
    for (size_t p = 0; p < e.size(); ++p) {
      if (!e[p].feasible) return false;
      if (!slo) continue;
      if (t.ttft > 0 && roles[p] != "decode" && e[p].ttft.p90 + frontend > t.ttft) return false;
      if (t.tpot > 0 && roles[p] != "prefill" && e[p].tpot.p90 > t.tpot) return false;
    }
    return true;
  }
  // The highest rate that is ok (doubling, then bisection to 0.1%); 0 when none is.
  double highest(bool slo) {
    double lo = 0, hi = 1e-3;
    while (hi < 1e9 && ok(hi, slo)) lo = hi, hi *= 2;
    if (lo == 0 && !ok(hi / 2, slo)) return 0;
    if (lo == 0) lo = hi / 2;
    while (hi / lo > 1.001) {
      const double mid = std::sqrt(lo * hi);
      (ok(mid, slo) ? lo : hi) = mid;
    }
    return lo;
  }
};

// Requests per arrival of the workload (a session's turns, a job's documents; 1 for a stream).
double requests_per_arrival(const std::vector<RequestSpec>& requests) {
  std::set<int64_t> groups;
  int64_t single = 0;
  for (const RequestSpec& r : requests) {
    if (r.session < 0)
      ++single;
    else
      groups.insert(r.session);
  }
  const double arrivals = double(single) + double(groups.size());
  return arrivals > 0 ? double(requests.size()) / arrivals : 0;
}

// `sc`: the group's scenario with the fleet's workload. The screen's rates are requests/s;
// the router's, arrivals/s.
ClusterEstimate estimate_group(const Scenario& sc, const FleetGroup& g) {
  const std::vector<RequestSpec> requests = requests_of(sc);
  ClusterEstimate e;
  e.requests_per_arrival = requests_per_arrival(requests);
  if (!(e.requests_per_arrival > 0)) g.at.fail("the fleet's workload gives this cluster no requests to screen");
  GroupScreen screen(sc, load_stats(requests));
  e.capacity = screen.highest(true) / e.requests_per_arrival;
  if (e.capacity == 0) {
    e.slo_met = false;
    e.capacity = screen.highest(false) / e.requests_per_arrival;
  }
  if (e.capacity == 0) g.at.fail("the screen finds no stable load for this cluster (" + sc.name + ")");
  const double capacity = e.capacity * e.requests_per_arrival;  // requests/s
  const std::vector<PoolEstimate> full = screen.at(capacity), light = screen.at(capacity / 10);
  e.latency = sc.pools.front().serving.frontend_latency;
  for (size_t p = 0; p < sc.pools.size(); ++p) {
    const PoolSpec& pool = sc.pools[p];
    const double chips = pool.serving.chips;
    e.chips += pool.serving.chips;
    if (e.platform.find(pool.platform.name) == std::string::npos)
      e.platform += (e.platform.empty() ? "" : "/") + pool.platform.name;
    e.usd_per_hour += pool.platform.cost.per_chip_second(pool.platform.chip.watts_at(full[p].busy)) * 3600 * chips;
    e.idle_usd_per_hour += pool.platform.cost.per_chip_second(pool.platform.chip.watts_at(0)) * 3600 * chips;
    e.idle_watts += pool.platform.cost.facility_watts(pool.platform.chip.watts_at(0)) * chips;
    if (screen.roles[p] != "decode") e.latency += light[p].ttft.p50;
    if (screen.roles[p] != "prefill") e.latency += screen.load.output_mean * light[p].tpot.p50;
  }
  return e;
}

// Each cluster's rate: by capacity, or filling clusters in `order` up to `fill` of their
// capacity; what is left beyond every fill spreads in proportion to capacity.
std::vector<double> route(const FleetSpec& f, const std::vector<double>& capacity, const std::vector<size_t>& order) {
  std::vector<double> rate(capacity.size(), 0);
  double total = 0;
  for (double c : capacity) total += c;
  double left = f.rate;
  if (f.policy != "capacity")
    for (size_t i : order) {
      rate[i] = std::min(left, f.fill * capacity[i]);
      left -= rate[i];
    }
  if (left > 1e-12 * f.rate)
    for (size_t i = 0; i < rate.size(); ++i) rate[i] += left * capacity[i] / total;
  for (double& r : rate) {
    if (r < 1e-9 * f.rate) r = 0;  // a rounding crumb is no load
    if (r > 0 && r < 1e-9)
      f.at.fail(strprintf("a cluster's share, %.3g/s, is below the 1e-9/s a workload's rate may be", r));
  }
  return rate;
}

}  // namespace

Fleet resolve_fleet(const FleetSpec& spec, const std::vector<Override>& cli) {
  for (const Override& o : cli)
    if (routed_key(o.first))
      throw ConfigError("--set", 0, 0, o.first,
                        "the fleet sets this in every cluster (its workload, rate, duration and seed)");
  Fleet fleet;
  fleet.spec = spec;
  const double cv = spec.workload_cv;
  // The screen sees each group on ~20,000 of the workload's requests (their lengths; it
  // sets the rate), the same whatever the fleet's rate and duration.
  for (FleetGroup& g : fleet.spec.groups) {
    const Scenario sc = group_scenario(spec, g, cli, 1, cv, 20000, spec.seed);
    if (g.name.empty()) g.name = sc.name;
    fleet.groups.push_back(estimate_group(sc, g));
  }
  std::vector<double> capacity;
  std::vector<size_t> order;
  for (size_t gi = 0; gi < spec.groups.size(); ++gi)
    for (int64_t k = 0; k < spec.groups[gi].count; ++k) {
      fleet.clusters.push_back({int64_t(fleet.clusters.size()), gi, 0, 1});
      capacity.push_back(fleet.groups[gi].capacity);
      order.push_back(order.size());
    }
  auto key = [&](size_t i) {
    const ClusterEstimate& e = fleet.groups[fleet.clusters[i].group];
    return spec.policy == "price" ? e.usd_per_request() : e.latency;
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  const std::vector<double> rate = route(spec, capacity, order);
  uint64_t h =
      fnv1a(spec.name + " " + spec.policy + strprintf(" %.17g %.17g %.17g", spec.rate, spec.duration, spec.fill));
  for (Fleet::Cluster& c : fleet.clusters) {
    c.rate = rate[size_t(c.index)];
    const double p = c.rate / spec.rate;
    c.cv = std::sqrt(p * cv * cv + 1 - p);
    if (c.rate <= 0) continue;
    const FleetGroup& g = fleet.spec.groups[c.group];
    const uint64_t seed = spec.seed * 1000003 + uint64_t(c.index);
    SweepScenario s{c.index, group_scenario(spec, g, cli, c.rate, c.cv, spec.duration, seed), {}};
    s.inputs = {{"fleet", spec.name}, {"cluster", c.index}, {"group", g.name}, {"rate_per_s", c.rate}};
    h = fnv1a(s.scenario.fingerprint, h);
    fleet.scenarios.push_back(std::move(s));
  }
  fleet.fingerprint = strprintf("%016llx", static_cast<unsigned long long>(h));
  return fleet;
}

}  // namespace stacksim
