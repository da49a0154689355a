#include <algorithm>
#include <string>

#include "util/rng.h"
#include "workload/generator.h"

namespace stacksim {

namespace {

// A mix stream's workload with its weight applied to its arrival rate.
Workload weighted(Workload c) {
  switch (c.type) {
    case Workload::Type::AzureTrace:
    case Workload::Type::MooncakeTrace: c.time_scale *= c.weight; break;
    case Workload::Type::ClosedLoop:
    case Workload::Type::Mix: break;  // config/workload.cpp rejects a weight there
    default: c.arrival.rate *= c.weight;
  }
  c.weight = 1;
  return c;
}

// The streams of a mix merged by arrival (ties: the lower stream index first), each
// request tagged with its stream's index; completions go back to the stream they came from.
class MixGenerator : public Generator {
 public:
  MixGenerator(const Workload& w, uint64_t seed) {
    for (size_t i = 0; i < w.streams.size(); ++i) {
      const Workload& c = w.streams[i];
      parts_.push_back(make_part(weighted(c), stream_seed(seed, "mix/" + std::to_string(i) + "/" + c.name), int(i)));
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

}  // namespace

std::unique_ptr<Generator> make_mix_generator(const Workload& w, uint64_t seed) {
  return std::make_unique<MixGenerator>(w, seed);
}

}  // namespace stacksim
