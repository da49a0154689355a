#include <algorithm>
#include <string>

#include "util/rng.h"
#include "workload/generator.h"
#include "workload/kinds.h"

namespace stacksim {

namespace {

// At most 64 streams: a stream's index has 6 bits in block ids (see common.h).
constexpr size_t kMaxMixStreams = 64;

// The streams of a mix merged by arrival (ties: the lower stream index first), each
// request tagged with its stream's index; completions go back to the stream they came from.
class MixGenerator : public Generator {
 public:
  // `scale`: the mix's own load scale, over every stream's.
  MixGenerator(const Workload& w, uint64_t seed, double scale) {
    for (size_t i = 0; i < w.streams.size(); ++i) {
      const Workload& c = w.streams[i];
      const Part part{stream_seed(seed, "mix/" + std::to_string(i) + "/" + c.name), int(i),
                      scale * c.weight * c.load_scale};
      parts_.push_back(workload_kind(c.type).make(c, part));
    }
  }
  bool next(RequestSpec* out) override {
    double arrival;
    const int i = earliest(&arrival);
    if (i < 0) return false;
    parts_[size_t(i)]->next(out);
    out->stream = i;
    out->arrival = released_ = arrival;
    return true;
  }
  bool peek(double* arrival) const override { return earliest(arrival) >= 0; }
  bool exhausted() const override {
    return std::all_of(parts_.begin(), parts_.end(), [](const auto& p) { return p->exhausted(); });
  }
  // The mix ends with its slowest stream.
  double progress(double now) const override {
    double least = 1;
    for (const auto& p : parts_) least = std::min(least, p->exhausted() ? 1.0 : p->progress(now));
    return least;
  }
  void on_complete(const RequestSpec& r, double now) override {
    if (r.stream >= 0 && size_t(r.stream) < parts_.size()) parts_[size_t(r.stream)]->on_complete(r, now);
  }
  bool reacts_to_completions() const override {
    return std::any_of(parts_.begin(), parts_.end(), [](const auto& p) { return p->reacts_to_completions(); });
  }

 private:
  // The stream whose ready request comes first and its arrival (never before the last
  // one released); -1 if none is ready.
  int earliest(double* arrival) const {
    int best = -1;
    for (size_t i = 0; i < parts_.size(); ++i) {
      double a;
      if (parts_[i]->peek(&a) && (best < 0 || a < *arrival)) {
        best = int(i);
        *arrival = a;
      }
    }
    if (best >= 0) *arrival = std::max(*arrival, released_);
    return best;
  }
  std::vector<std::unique_ptr<Generator>> parts_;
  double released_ = 0;
};

// One entry of a mix's streams: {workload: PATH or mapping, weight}.
Workload read_component(MapReader& e) {
  const YAML::Node n = e.node("workload");
  Workload c;
  if (n.IsScalar()) {
    const std::string file = e.file_at("workload");
    c = read_workload(load_yaml_file(file), Origin(file), "");
    c.reads.push_back(file);
  } else {
    c = read_workload(n, e.origin(), e.path_of("workload"));
  }
  if (c.type == "mix") e.fail("workload", "a mix cannot contain a mix");
  c.weight = e.quantity_or("weight", Dimension::Number, 1, 1e-9);
  const std::string& fixed_rate = workload_kind(c.type).fixed_rate;
  if (!fixed_rate.empty() && c.weight != 1) e.fail("weight", fixed_rate);
  e.finish();
  return c;
}

// The streams that carry prefix blocks must agree on their size.
void read_mix(MapReader& r, Workload* w) {
  const YAML::Node list = r.node("streams");
  if (!list.IsSequence() || list.size() == 0)
    fail_at(list, r.origin(), r.path_of("streams"), "expected a non-empty list of {workload, weight}");
  if (list.size() > kMaxMixStreams) r.fail("streams", "at most 64 streams");
  int with_blocks = -1;  // the first stream that carries prefix blocks
  for (size_t i = 0; i < list.size(); ++i) {
    MapReader e(list[i], r.origin(), r.path_of("streams") + "[" + std::to_string(i) + "]");
    w->streams.push_back(read_component(e));
    const Workload& c = w->streams.back();
    w->reads.insert(w->reads.end(), c.reads.begin(), c.reads.end());
    if (!c.carries_blocks) continue;
    if (with_blocks < 0) {
      with_blocks = int(i);
      w->carries_blocks = true;
      w->block_tokens = c.block_tokens;
    } else if (c.block_tokens != w->block_tokens) {
      e.fail("workload", "block_tokens " + std::to_string(c.block_tokens) + " differs from " +
                             std::to_string(w->block_tokens) + " of " + w->streams[size_t(with_blocks)].name +
                             ": the streams of a mix share one KV block size");
    }
  }
}

std::unique_ptr<Generator> make_mix(const Workload& w, const Part& part) {
  return std::make_unique<MixGenerator>(w, part.seed, part.rate_scale);
}

}  // namespace

WorkloadKind mix_kind() { return {"mix", read_mix, make_mix, ""}; }

}  // namespace stacksim
