// offline: every request submitted at t = 0, as offline throughput benchmarks do (vLLM's
// benchmark_throughput, or a request rate of "inf" in its serving benchmark): it measures
// what a deployment sustains with a full queue, not latency under a given load.
#include <string>
#include <utility>

#include "workload/arrivals.h"
#include "workload/generator.h"
#include "workload/kinds.h"

namespace stacksim {

namespace {

struct OfflineParams : WorkloadParams {
  int64_t requests = 0;
  LengthDist input, output;  // prompt and generated tokens
};

// Draws each request when it is pulled, so that memory does not grow with the count.
class OfflineGenerator : public Generator {
 public:
  OfflineGenerator(const Workload& w, uint64_t seed)
      : p_(params_of<OfflineParams>(w)), lengths_(stream_seed(seed, w.name + "/lengths")) {}
  bool next(RequestSpec* out) override {
    if (exhausted()) return false;
    *out = RequestSpec{};
    out->arrival = 0;
    out->input_tokens = draw_length(p_.input, lengths_);
    out->output_tokens = draw_length(p_.output, lengths_);
    ++issued_;
    return true;
  }
  bool peek(double* arrival) const override {
    if (exhausted()) return false;
    *arrival = 0;
    return true;
  }
  bool exhausted() const override { return issued_ >= p_.requests; }
  double progress(double) const override { return fraction(double(issued_), double(p_.requests)); }
  bool reacts_to_completions() const override { return false; }

 private:
  OfflineParams p_;
  Rng lengths_;
  int64_t issued_ = 0;
};

void read_offline(MapReader& r, Workload* w) {
  auto p = std::make_shared<OfflineParams>();
  p->requests = r.integer("requests", 1, kMaxRequests);
  p->input = read_lengths(r.child("input_tokens"));
  p->output = read_lengths(r.child("output_tokens"));
  w->params = std::move(p);
}

std::unique_ptr<Generator> make_offline(const Workload& w, const Part& part) {
  return std::make_unique<OfflineGenerator>(w, part.seed);
}

}  // namespace

WorkloadKind offline_kind() {
  return {"offline", read_offline, make_offline,
          "an offline stream submits everything at once: it has no rate to scale"};
}

}  // namespace stacksim
