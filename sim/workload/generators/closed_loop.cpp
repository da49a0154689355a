#include <utility>

#include "workload/arrivals.h"
#include "workload/generator.h"
#include "workload/generators/common.h"
#include "workload/kinds.h"

namespace stacksim {

namespace {

// closed_loop: N users as serving benchmarks measure them.
struct ClosedLoopParams : WorkloadParams {
  int64_t users = 0;
  LengthDist input, output;  // prompt and generated tokens
  int64_t requests = 0;      // stop after this many in all
  double think_time = 0;     // s from a request's completion to its user's next
};

// N users; each sends its next request think_time after its previous one completes.
class ClosedLoopGenerator : public Generator {
 public:
  ClosedLoopGenerator(const Workload& w, uint64_t seed)
      : p_(params_of<ClosedLoopParams>(w)), lengths_(stream_seed(seed, w.name + "/lengths")) {
    for (int64_t i = 0; i < p_.users && issued_ < p_.requests; ++i) issue(0);
  }
  bool next(RequestSpec* out) override { return ready_.pop(out); }
  bool peek(double* arrival) const override { return ready_.peek(arrival); }
  bool exhausted() const override { return ready_.empty() && issued_ >= p_.requests; }
  double progress(double) const override { return fraction(double(issued_), double(p_.requests)); }
  void on_complete(const RequestSpec&, double now) override {
    if (issued_ < p_.requests) issue(now + p_.think_time);
  }

 private:
  void issue(double at) {
    RequestSpec r;
    r.arrival = at;
    r.input_tokens = draw_length(p_.input, lengths_);
    r.output_tokens = draw_length(p_.output, lengths_);
    ready_.push(std::move(r));
    ++issued_;
  }
  ClosedLoopParams p_;
  Rng lengths_;
  ReadyQueue ready_;
  int64_t issued_ = 0;
};

void read_closed_loop(MapReader& r, Workload* w) {
  auto p = std::make_shared<ClosedLoopParams>();
  p->users = r.integer("users", 1, 1 << 24);
  p->input = read_lengths(r.child("input_tokens"));
  p->output = read_lengths(r.child("output_tokens"));
  p->requests = r.integer("requests", 1, kMaxRequests);
  p->think_time = r.quantity_or("think_time", Dimension::Time, 0, 0);
  w->params = std::move(p);
}

std::unique_ptr<Generator> make_closed_loop(const Workload& w, const Part& part) {
  return std::make_unique<ClosedLoopGenerator>(w, part.seed);
}

}  // namespace

WorkloadKind closed_loop_kind() {
  return {"closed_loop", read_closed_loop, make_closed_loop,
          "a closed_loop stream has no arrival rate to scale (change its users instead)"};
}

}  // namespace stacksim
