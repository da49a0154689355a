#include "workload/arrivals.h"
#include "workload/generator.h"
#include "workload/generators/common.h"

namespace stacksim {

namespace {

// N users; each sends its next request think_time after its previous one completes.
class ClosedLoopGenerator : public Generator {
 public:
  ClosedLoopGenerator(const Workload& w, uint64_t seed) : w_(w), lengths_(stream_seed(seed, w.name + "/lengths")) {
    for (int64_t i = 0; i < w.users && issued_ < w.requests; ++i) issue(0);
  }
  bool next(RequestSpec* out) override { return ready_.pop(out); }
  bool peek(double* arrival) const override { return ready_.peek(arrival); }
  bool exhausted() const override { return ready_.empty() && issued_ >= w_.requests; }
  void on_complete(const RequestSpec&, double now) override {
    if (issued_ < w_.requests) issue(now + w_.think_time);
  }

 private:
  void issue(double at) {
    RequestSpec r;
    r.arrival = at;
    r.input_tokens = draw_length(w_.input, lengths_);
    r.output_tokens = draw_length(w_.output, lengths_);
    ready_.push(std::move(r));
    ++issued_;
  }
  Workload w_;
  Rng lengths_;
  ReadyQueue ready_;
  int64_t issued_ = 0;
};

}  // namespace

std::unique_ptr<Generator> make_closed_loop_generator(const Workload& w, uint64_t seed) {
  return std::make_unique<ClosedLoopGenerator>(w, seed);
}

}  // namespace stacksim
