#include "config/workload.h"

namespace stacksim {

namespace {

// Limits that keep the block ids of coding sessions and mixes unique by construction
// (see make_generator): session and team numbers fit 32 bits, block indexes 24 bits, and
// a mix has at most 64 streams.
constexpr int64_t kMaxOwners = int64_t(1) << 32;
constexpr int64_t kMaxBlocksPerPrompt = int64_t(1) << 24;
constexpr size_t kMaxMixStreams = 64;

Workload read_workload(const YAML::Node& root, const Origin& origin, const std::string& path);

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

LengthDist read_lengths(MapReader r) {
  return read_dist<LengthDist>(
      std::move(r), [](MapReader& m, const std::string& k) { return m.integer(k, 1, 1LL << 31); },
      [](MapReader& m, const std::string& k) { return m.quantity(k, Dimension::Number, 1); });
}

// One time ("30 s": fixed) or a distribution whose values are times.
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

// How an open-loop workload stops: after `key` arrivals and/or after `duration`.
void read_count_or_duration(MapReader& r, const std::string& key, int64_t max, int64_t* count, double* duration) {
  // Absent means unbounded by that measure (0 internally); given, each must be positive.
  *count = r.has(key) ? r.integer(key, 1, max) : 0;
  *duration = r.has("duration") ? r.quantity("duration", Dimension::Time, 1e-9) : 0;
  if (*count == 0 && *duration == 0) r.fail(key, "give " + key + " or duration (or both)");
}

void read_stream(MapReader& r, Workload* w) {
  w->arrival = read_arrival(r.child("arrival"));
  w->input = read_lengths(r.child("input_tokens"));
  w->output = read_lengths(r.child("output_tokens"));
  read_count_or_duration(r, "requests", INT64_MAX, &w->requests, &w->duration);
}

void read_closed_loop(MapReader& r, Workload* w) {
  w->users = r.integer("users", 1, 1 << 24);
  w->input = read_lengths(r.child("input_tokens"));
  w->output = read_lengths(r.child("output_tokens"));
  w->requests = r.integer("requests", 1);
  w->think_time = r.quantity_or("think_time", Dimension::Time, 0, 0);
}

void read_trace(MapReader& r, Workload* w) {
  w->trace_path = r.file_at("path");
  w->time_scale = r.quantity_or("time_scale", Dimension::Number, 1, 1e-6);
  w->limit = r.integer_or("limit", 0, 0);
}

void read_coding_sessions(MapReader& r, Workload* w) {
  w->arrival = read_arrival(r.child("arrival"));
  read_count_or_duration(r, "sessions", kMaxOwners, &w->sessions, &w->duration);
  w->teams = r.integer("teams", 1, kMaxOwners);
  w->repo_prefix_tokens = r.integer("repo_prefix_tokens", 0, 1LL << 40);
  w->first_turn = read_lengths(r.child("first_turn_tokens"));
  w->turns = read_lengths(r.child("turns"));
  w->new_tokens = read_lengths(r.child("new_tokens"));
  w->output = read_lengths(r.child("output_tokens"));
  w->think = read_times(r, "think_time");
  w->block_tokens = r.integer_or("block_tokens", 512, 1, 1 << 20);
  w->max_context_tokens = r.integer("max_context_tokens", 1, 1LL << 40);
  if (w->max_context_tokens / w->block_tokens >= kMaxBlocksPerPrompt)
    r.fail("max_context_tokens", "at most 2^24 blocks of block_tokens per prompt");
  const int64_t first_max = w->repo_prefix_tokens + w->first_turn.max;
  if (first_max > w->max_context_tokens)
    r.fail("max_context_tokens",
           "must hold the repository prefix plus the longest first turn (" + std::to_string(first_max) + " tokens)");
}

void read_document_batch(MapReader& r, Workload* w) {
  w->arrival = read_arrival(r.child("arrival"));
  read_count_or_duration(r, "jobs", INT64_MAX, &w->jobs, &w->duration);
  w->documents = read_lengths(r.child("documents_per_job"));
  w->input = read_lengths(r.child("input_tokens"));
  w->output = read_lengths(r.child("output_tokens"));
  w->deadline = r.quantity("deadline", Dimension::Time, 1e-9);
}

bool carries_blocks(const Workload& w) {
  return w.type == Workload::Type::CodingSessions || w.type == Workload::Type::MooncakeTrace;
}

// One entry of a mix's streams: {workload: PATH or mapping, weight}.
Workload read_mix_component(MapReader& e) {
  const YAML::Node n = e.node("workload");
  Workload c;
  if (n.IsScalar()) {
    const std::string file = e.file_at("workload");
    c = read_workload(load_yaml_file(file), Origin(file), "");
  } else {
    c = read_workload(n, e.origin(), e.path_of("workload"));
  }
  if (c.type == Workload::Type::Mix) e.fail("workload", "a mix cannot contain a mix");
  c.weight = e.quantity_or("weight", Dimension::Number, 1, 1e-9);
  if (c.type == Workload::Type::ClosedLoop && c.weight != 1)
    e.fail("weight", "a closed_loop stream has no arrival rate to scale (change its users instead)");
  e.finish();
  return c;
}

void read_mix(MapReader& r, Workload* w) {
  const YAML::Node list = r.node("streams");
  if (!list.IsSequence() || list.size() == 0)
    fail_at(list, r.origin(), r.path_of("streams"), "expected a non-empty list of {workload, weight}");
  if (list.size() > kMaxMixStreams) r.fail("streams", "at most 64 streams");
  int with_blocks = -1;  // the first stream that carries prefix blocks
  for (size_t i = 0; i < list.size(); ++i) {
    MapReader e(list[i], r.origin(), r.path_of("streams") + "[" + std::to_string(i) + "]");
    w->streams.push_back(read_mix_component(e));
    const Workload& c = w->streams.back();
    if (!carries_blocks(c)) continue;
    if (with_blocks < 0) {
      with_blocks = int(i);
      w->block_tokens = c.block_tokens;
    } else if (c.block_tokens != w->block_tokens) {
      e.fail("workload", "block_tokens " + std::to_string(c.block_tokens) + " differs from " +
                             std::to_string(w->block_tokens) + " of " + w->streams[size_t(with_blocks)].name +
                             ": the streams of a mix share one KV block size");
    }
  }
}

Slo read_slo(MapReader s) {
  Slo slo;
  slo.ttft = s.quantity_or("ttft", Dimension::Time, 0, 0);
  slo.tpot = s.quantity_or("tpot", Dimension::Time, 0, 0);
  s.finish();
  return slo;
}

void read_mooncake_keys(MapReader& r, Workload* w) {
  read_trace(r, w);
  w->block_tokens = 512;  // Mooncake's hash_ids name 512-token blocks
}

// Each `type:` and the reader of its keys.
struct TypeReader {
  const char* name;
  Workload::Type type;
  void (*read)(MapReader&, Workload*);
};
const TypeReader kTypes[] = {
    {"stream", Workload::Type::Stream, read_stream},
    {"closed_loop", Workload::Type::ClosedLoop, read_closed_loop},
    {"azure_trace", Workload::Type::AzureTrace, read_trace},
    {"mooncake_trace", Workload::Type::MooncakeTrace, read_mooncake_keys},
    {"coding_sessions", Workload::Type::CodingSessions, read_coding_sessions},
    {"document_batch", Workload::Type::DocumentBatch, read_document_batch},
    {"mix", Workload::Type::Mix, read_mix},
};

Workload read_workload(const YAML::Node& root, const Origin& origin, const std::string& path) {
  Workload w;
  w.file = origin.file;
  MapReader r(root, origin, path);
  w.name = r.str("name");
  w.description = r.str_or("description", "");
  std::vector<std::string> names;
  for (const TypeReader& t : kTypes) names.push_back(t.name);
  const std::string type = r.choice("type", names);
  for (const TypeReader& t : kTypes) {
    if (type != t.name) continue;
    w.type = t.type;
    t.read(r, &w);
  }
  if (r.has("slo")) w.slo = read_slo(r.child("slo"));
  // A mix's slo applies to its streams that set no target of their own.
  for (Workload& c : w.streams) {
    if (c.slo.ttft == 0) c.slo.ttft = w.slo.ttft;
    if (c.slo.tpot == 0) c.slo.tpot = w.slo.tpot;
  }
  r.finish();
  return w;
}

}  // namespace

Workload workload_from_yaml(const YAML::Node& root, const Origin& origin) { return read_workload(root, origin, ""); }

}  // namespace stacksim
