#include <utility>

#include "workload/generator.h"
#include "workload/generators/common.h"
#include "workload/kinds.h"
#include "workload/traces.h"

namespace stacksim {

namespace {

// azure_trace, mooncake_trace: a published trace replayed.
struct TraceParams : WorkloadParams {
  std::string path;       // resolved against the workload file
  double time_scale = 1;  // replay at time_scale x the recorded rate (arrival = t / k)
  int64_t limit = 0;      // the first N rows (0 = all)
};

class TraceGenerator : public Generator {
 public:
  explicit TraceGenerator(std::vector<RequestSpec> rows) : rows_(std::move(rows)) {}
  bool next(RequestSpec* out) override {
    if (i_ >= rows_.size()) return false;
    *out = rows_[i_++];
    return true;
  }
  bool peek(double* arrival) const override {
    if (i_ >= rows_.size()) return false;
    *arrival = rows_[i_].arrival;
    return true;
  }
  bool exhausted() const override { return i_ >= rows_.size(); }
  double progress(double) const override { return fraction(double(i_), double(rows_.size())); }
  bool reacts_to_completions() const override { return false; }

 private:
  std::vector<RequestSpec> rows_;
  size_t i_ = 0;
};

void read_trace(MapReader& r, Workload* w) {
  auto p = std::make_shared<TraceParams>();
  p->path = r.file_at("path");
  w->reads.push_back(p->path);
  p->time_scale = r.quantity_or("time_scale", Dimension::Number, 1, 1e-6);
  p->limit = r.integer_or("limit", 0, 0);
  w->params = std::move(p);
}

std::unique_ptr<Generator> make_azure_trace(const Workload& w, const Part& part) {
  const auto& p = params_of<TraceParams>(w);
  return make_trace_generator(read_azure_trace(p.path, p.time_scale * part.rate_scale, p.limit));
}

void read_mooncake(MapReader& r, Workload* w) {
  read_trace(r, w);
  w->carries_blocks = true;
  w->block_tokens = 512;  // Mooncake's hash_ids name 512-token blocks
}

std::unique_ptr<Generator> make_mooncake_trace(const Workload& w, const Part& part) {
  const auto& p = params_of<TraceParams>(w);
  auto rows = read_mooncake_trace(p.path, p.time_scale * part.rate_scale, p.limit);
  // In a mix, the trace's block ids move into the id space of its stream.
  if (part.stream >= 0)
    for (RequestSpec& row : rows)
      for (uint64_t& id : row.blocks) id = block_id(BlockDomain::Trace, part.stream, id);
  return make_trace_generator(std::move(rows));
}

}  // namespace

std::unique_ptr<Generator> make_trace_generator(std::vector<RequestSpec> rows) {
  return std::make_unique<TraceGenerator>(std::move(rows));
}

WorkloadKind azure_trace_kind() { return {"azure_trace", read_trace, make_azure_trace, ""}; }

WorkloadKind mooncake_trace_kind() { return {"mooncake_trace", read_mooncake, make_mooncake_trace, ""}; }

}  // namespace stacksim
