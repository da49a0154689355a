#include "config/workload.h"

namespace stacksim {

static LengthDist read_lengths(MapReader r) {
  LengthDist d;
  const std::string kind = r.choice("distribution", {"fixed", "lognormal", "uniform"});
  if (kind == "fixed") {
    d.kind = LengthDist::Kind::Fixed;
    d.value = r.integer("value", 1, 1LL << 31);
    d.min = d.max = d.value;
  } else {
    d.min = r.integer("min", 1, 1LL << 31);
    d.max = r.integer("max", 1, 1LL << 31);
    if (d.max < d.min) r.fail("max", "must be at least min");
    if (kind == "lognormal") {
      d.kind = LengthDist::Kind::Lognormal;
      d.mean = r.quantity("mean", Dimension::Number, 1);
      d.cv = r.quantity("cv", Dimension::Number, 0, 100);
    } else {
      d.kind = LengthDist::Kind::Uniform;
    }
  }
  r.finish();
  return d;
}

Workload workload_from_yaml(const YAML::Node& root, const Origin& origin) {
  Workload w;
  const std::string& file = origin.file;
  w.file = file;
  MapReader r(root, origin, "");
  w.name = r.str("name");
  w.description = r.str_or("description", "");
  const std::string type = r.choice("type", {"stream", "closed_loop", "azure_trace"});
  if (type == "stream") {
    w.type = Workload::Type::Stream;
    MapReader a = r.child("arrival");
    const std::string kind = a.choice("type", {"poisson", "gamma"});
    w.arrival.kind = kind == "poisson" ? Arrival::Kind::Poisson : Arrival::Kind::Gamma;
    w.arrival.rate = a.quantity("rate", Dimension::Rate, 1e-9);
    w.arrival.cv = kind == "gamma" ? a.quantity("cv", Dimension::Number, 0.01, 100) : 1.0;
    a.finish();
    w.input = read_lengths(r.child("input_tokens"));
    w.output = read_lengths(r.child("output_tokens"));
    w.requests = r.integer_or("requests", 0, 0);
    w.duration = r.quantity_or("duration", Dimension::Time, 0, 0);
    if (w.requests == 0 && w.duration == 0) r.fail("requests", "give requests or duration (or both)");
  } else if (type == "closed_loop") {
    w.type = Workload::Type::ClosedLoop;
    w.users = r.integer("users", 1, 1 << 24);
    w.input = read_lengths(r.child("input_tokens"));
    w.output = read_lengths(r.child("output_tokens"));
    w.requests = r.integer("requests", 1);
    w.think_time = r.quantity_or("think_time", Dimension::Time, 0, 0);
  } else {
    w.type = Workload::Type::AzureTrace;
    w.trace_path = resolve_path(r.str("path"), file);
    w.time_scale = r.quantity_or("time_scale", Dimension::Number, 1, 1e-6);
    w.limit = r.integer_or("limit", 0, 0);
  }
  if (r.has("slo")) {
    MapReader s = r.child("slo");
    w.slo.ttft = s.quantity_or("ttft", Dimension::Time, 0, 0);
    w.slo.tpot = s.quantity_or("tpot", Dimension::Time, 0, 0);
    s.finish();
  }
  r.finish();
  return w;
}

}  // namespace stacksim
