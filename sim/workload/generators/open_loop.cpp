#include <deque>

#include "workload/arrivals.h"
#include "workload/generator.h"

namespace stacksim {

namespace {

// Open-loop arrivals of groups of requests: a stream (one request per arrival, no
// group) or a document_batch (a job of several documents sharing its arrival and id).
class BatchGenerator : public Generator {
 public:
  struct Shape {
    int64_t count;           // arrivals (0 = until duration)
    LengthDist per_arrival;  // requests per arrival
    bool grouped;            // RequestSpec::session = arrival number
  };
  BatchGenerator(const Workload& w, uint64_t seed, Shape shape)
      : w_(w),
        shape_(shape),
        arrivals_(w.arrival, stream_seed(seed, w.name + "/arrivals")),
        lengths_(stream_seed(seed, w.name + "/lengths")) {
    arrive();
  }
  bool next(RequestSpec* out) override {
    if (pending_.empty()) return false;
    *out = pending_.front();
    pending_.pop_front();
    if (pending_.empty()) arrive();
    return true;
  }
  bool peek(double* arrival) const override {
    if (pending_.empty()) return false;
    *arrival = pending_.front().arrival;
    return true;
  }
  bool exhausted() const override { return pending_.empty(); }
  bool reacts_to_completions() const override { return false; }

 private:
  // Draws the next arrival and its requests, unless the count or the duration is reached.
  void arrive() {
    if (shape_.count > 0 && arrived_ >= shape_.count) return;
    const double t = arrivals_.next();
    if (w_.duration > 0 && t > w_.duration) return;
    const int64_t n = draw_length(shape_.per_arrival, lengths_);
    for (int64_t i = 0; i < n; ++i) {
      RequestSpec r;
      r.arrival = t;
      r.input_tokens = draw_length(w_.input, lengths_);
      r.output_tokens = draw_length(w_.output, lengths_);
      if (shape_.grouped) r.session = arrived_;
      pending_.push_back(std::move(r));
    }
    ++arrived_;
  }
  Workload w_;
  Shape shape_;
  ArrivalProcess arrivals_;
  Rng lengths_;
  std::deque<RequestSpec> pending_;
  int64_t arrived_ = 0;
};

}  // namespace

std::unique_ptr<Generator> make_stream_generator(const Workload& w, uint64_t seed) {
  return std::make_unique<BatchGenerator>(w, seed, BatchGenerator::Shape{w.requests, LengthDist{}, false});
}

std::unique_ptr<Generator> make_document_batch_generator(const Workload& w, uint64_t seed) {
  return std::make_unique<BatchGenerator>(w, seed, BatchGenerator::Shape{w.jobs, w.documents, true});
}

}  // namespace stacksim
