#include "serving/trace.h"

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace stacksim {

namespace {

constexpr double kUs = 1e6;  // trace times are in microseconds

}  // namespace

std::string trace_head() { return "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n"; }

std::string trace_tail(double from, double to) {
  // The last event is a metadata event, so that no comma dangles.
  const nlohmann::json meta = {
      {"name", "stacksim"}, {"ph", "M"}, {"pid", 0}, {"tid", 0}, {"args", {{"window_s", {from, to}}}}};
  return meta.dump() + "\n]}\n";
}

Trace::Trace(const std::string& path, const Scenario& sc, size_t index, double from, double to)
    : out_(path, std::ios::binary | std::ios::trunc), path_(path), index_(index), from_(from), to_(to) {
  if (!out_) throw std::runtime_error("cannot write " + path);
  // Names for the processes (pools) and threads (instances).
  for (size_t p = 0; p < sc.pools.size(); ++p) {
    const PoolSpec& ps = sc.pools[p];
    const std::string name = sc.name + ": " + ps.role + " pool (" + ps.platform.name + ")";
    out_ << nlohmann::json{{"name", "process_name"}, {"ph", "M"}, {"pid", pid(p)}, {"args", {{"name", name}}}}.dump()
         << ",\n";
    out_ << nlohmann::json{{"name", "process_sort_index"},
                           {"ph", "M"},
                           {"pid", pid(p)},
                           {"args", {{"sort_index", pid(p)}}}}
                .dump()
         << ",\n";
    for (int i = 0; i < ps.serving.instances(); ++i)
      out_ << nlohmann::json{{"name", "thread_name"},
                             {"ph", "M"},
                             {"pid", pid(p)},
                             {"tid", i},
                             {"args", {{"name", "instance " + std::to_string(i)}}}}
                  .dump()
           << ",\n";
  }
}

void Trace::step(size_t pool, int inst, double start, double duration, const BatchShape& b, const StepTime& t,
                 double load) {
  if (!in_window(start)) return;
  const char* name = b.decode_seqs > 0 ? (b.prefill_tokens > 0 ? "mixed step" : "decode step") : "prefill step";
  const nlohmann::json args = {{"decode_seqs", b.decode_seqs},
                               {"decode_kv_tokens", b.decode_kv_tokens},
                               {"prefill_tokens", b.prefill_tokens},
                               {"prefill_attn_pairs", b.prefill_attn_pairs},
                               {"prefill_seqs_done", b.prefill_seqs_done},
                               {"max_chunk", b.max_chunk},
                               {"model_ms", t.total * 1e3},
                               {"attention_ms", t.attention * 1e3},
                               {"ffn_ms", t.ffn * 1e3},
                               {"experts_ms", t.experts * 1e3},
                               {"comm_ms", t.comm * 1e3},
                               {"overhead_ms", t.overhead * 1e3},
                               {"host_ms", t.host * 1e3},
                               {"issue_ms", t.issue * 1e3},
                               {"kv_load_ms", load * 1e3}};
  out_ << nlohmann::json{{"name", name},      {"cat", "step"},         {"ph", "X"},   {"pid", pid(pool)}, {"tid", inst},
                         {"ts", start * kUs}, {"dur", duration * kUs}, {"args", args}}
              .dump()
       << ",\n";
}

void Trace::transfer_out(int inst, int64_t request, double t) {
  if (!in_window(t)) return;
  // Bound to the step that finished the prompt (it ends at t).
  out_ << nlohmann::json{{"name", "kv transfer"}, {"cat", "kv"}, {"ph", "s"},          {"id", flow_id(request)},
                         {"pid", pid(0)},         {"tid", inst}, {"ts", t * kUs - 0.5}}
              .dump()
       << ",\n";
}

void Trace::transfer_in(int inst, int64_t request, double started, double t) {
  if (!in_window(started)) return;
  // Bound to the next step of the decode instance, which takes the request.
  out_ << nlohmann::json{{"name", "kv transfer"}, {"cat", "kv"}, {"ph", "f"},    {"id", flow_id(request)},
                         {"pid", pid(1)},         {"tid", inst}, {"ts", t * kUs}}
              .dump()
       << ",\n";
}

void Trace::instant(size_t pool, int inst, const char* name, double t, int64_t request) {
  if (!in_window(t)) return;
  nlohmann::json e = {{"name", name},     {"cat", "event"}, {"ph", "i"},    {"s", "t"},
                      {"pid", pid(pool)}, {"tid", inst},    {"ts", t * kUs}};
  if (request >= 0) e["args"] = {{"request", request}};
  out_ << e.dump() << ",\n";
}

void Trace::close() {
  out_.close();
  if (!out_) throw std::runtime_error("writing " + path_ + " failed: " + std::strerror(errno));
}

}  // namespace stacksim
