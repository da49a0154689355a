#include "config/workload.h"

#include "workload/kinds.h"

namespace stacksim {

namespace {

// A fixed / uniform / lognormal mapping into a LengthDist or a TimeDist: `value(r, key)`
// reads a bound or the fixed value, `mean(r, key)` the lognormal mean.
template <class Dist, class ReadValue, class ReadMean>
Dist read_dist(MapReader r, ReadValue value, ReadMean mean) {
  Dist d;
  const std::string kind = r.choice("distribution", {"fixed", "lognormal", "uniform"});
  if (kind == "fixed") {
    d.kind = LengthDist::Kind::Fixed;
    d.value = value(r, "value");
    d.min = d.max = d.value;
  } else {
    d.min = value(r, "min");
    d.max = value(r, "max");
    if (d.max < d.min) r.fail("max", "must be at least min");
    if (kind == "lognormal") {
      d.kind = LengthDist::Kind::Lognormal;
      d.mean = mean(r, "mean");
      d.cv = r.quantity("cv", Dimension::Number, 0, 100);
    } else {
      d.kind = LengthDist::Kind::Uniform;
    }
  }
  r.finish();
  return d;
}

}  // namespace

LengthDist read_lengths(MapReader r) {
  return read_dist<LengthDist>(
      std::move(r), [](MapReader& m, const std::string& k) { return m.integer(k, 1, 1LL << 31); },
      [](MapReader& m, const std::string& k) { return m.quantity(k, Dimension::Number, 1); });
}

TimeDist read_times(MapReader& r, const std::string& key) {
  if (r.node(key).IsScalar()) {
    TimeDist d;
    d.value = d.min = d.max = r.quantity(key, Dimension::Time, 0);
    return d;
  }
  return read_dist<TimeDist>(
      r.child(key), [](MapReader& m, const std::string& k) { return m.quantity(k, Dimension::Time, 0); },
      [](MapReader& m, const std::string& k) { return m.quantity(k, Dimension::Time, 1e-9); });
}

Arrival read_arrival(MapReader a) {
  Arrival out;
  const std::string kind = a.choice("type", {"poisson", "gamma"});
  out.kind = kind == "poisson" ? Arrival::Kind::Poisson : Arrival::Kind::Gamma;
  out.rate = a.quantity("rate", Dimension::Rate, 1e-9);
  out.cv = kind == "gamma" ? a.quantity("cv", Dimension::Number, 0.01, 100) : 1.0;
  if (a.has("diurnal")) {
    MapReader d = a.child("diurnal");
    out.diurnal.period = d.quantity_or("period", Dimension::Time, 86400, 1e-6);
    out.diurnal.amplitude = d.quantity("amplitude", Dimension::Number, 0, 1);
    if (out.diurnal.amplitude >= 1) d.fail("amplitude", "must be below 1 (the rate would fall to zero)");
    out.diurnal.peak = d.quantity("peak", Dimension::Time, 0);
    d.finish();
  }
  a.finish();
  return out;
}

void read_count_or_duration(MapReader& r, const std::string& key, int64_t max, int64_t* count, double* duration,
                            double rate, double per_arrival) {
  // Absent (or null: `--set workload.requests=~`, as a fleet lifts a count for its own
  // duration) means unbounded by that measure (0 internally); given, each must be positive.
  const int64_t most = std::min<int64_t>(max, int64_t(double(kMaxRequests) / std::max(1.0, per_arrival)));
  const bool counted = r.has(key) && !r.node(key).IsNull();
  *count = counted ? r.integer(key, 1, most) : 0;
  *duration = r.has("duration") ? r.quantity("duration", Dimension::Time, 1e-9) : 0;
  if (*count == 0 && *duration == 0) r.fail(key, "give " + key + " or duration (or both)");
  // The work is known before a request is drawn: refuse what would run for days.
  const double expected = rate * *duration * per_arrival;
  if (*count == 0 && expected > double(kMaxRequests))
    r.fail("duration", "about " + std::to_string(int64_t(expected)) + " requests (rate x duration), more than the " +
                           std::to_string(kMaxRequests) + " one simulation takes");
}

namespace {

Slo read_slo(MapReader s) {
  Slo slo;
  slo.ttft = s.quantity_or("ttft", Dimension::Time, 0, 0);
  slo.tpot = s.quantity_or("tpot", Dimension::Time, 0, 0);
  s.finish();
  return slo;
}

}  // namespace

Workload read_workload(const YAML::Node& root, const Origin& origin, const std::string& path) {
  Workload w;
  w.file = origin.file;
  MapReader r(root, origin, path);
  w.name = r.name("name");
  w.description = r.str_or("description", "");
  std::vector<std::string> names;
  for (const WorkloadKind& k : workload_kinds()) names.push_back(k.name);
  w.type = r.choice("type", names);
  workload_kind(w.type).read(r, &w);
  w.load_scale = r.quantity_or("load_scale", Dimension::Number, 1, 1e-9, 1e9);
  const std::string& fixed = workload_kind(w.type).fixed_rate;
  if (w.load_scale != 1 && !fixed.empty()) r.fail("load_scale", fixed);
  for (const Workload& c : w.streams)  // a mix scales every stream
    if (w.load_scale != 1 && !workload_kind(c.type).fixed_rate.empty())
      r.fail("load_scale", "stream " + c.name + ": " + workload_kind(c.type).fixed_rate);
  if (r.has("slo")) w.slo = read_slo(r.child("slo"));
  // A mix's slo applies to its streams that set no target of their own.
  for (Workload& c : w.streams) {
    if (c.slo.ttft == 0) c.slo.ttft = w.slo.ttft;
    if (c.slo.tpot == 0) c.slo.tpot = w.slo.tpot;
  }
  r.finish();
  return w;
}

Workload workload_from_yaml(const YAML::Node& root, const Origin& origin) { return read_workload(root, origin, ""); }

}  // namespace stacksim
