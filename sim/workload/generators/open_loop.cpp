#include <deque>
#include <string>
#include <utility>

#include "workload/arrivals.h"
#include "workload/generator.h"
#include "workload/kinds.h"

namespace stacksim {

namespace {

// stream: one request per arrival.
struct StreamParams : WorkloadParams {
  Arrival arrival;
  LengthDist input, output;    // prompt and generated tokens
  int64_t requests = 0;        // stop after this many arrivals (0 = no count limit)
  double duration = 0;         // s: nothing arrives after it (0 = none)
  double cached_fraction = 0;  // of each prompt, held by an external KV store
};

// document_batch: jobs of several documents, all submitted at the job's arrival; the
// job's deadline is Workload::deadline.
struct DocumentBatchParams : WorkloadParams {
  Arrival arrival;           // jobs
  LengthDist documents;      // documents per job
  LengthDist input, output;  // per document
  int64_t jobs = 0;          // stop after this many jobs (0 = no count limit)
  double duration = 0;       // s: no job arrives after it (0 = none)
};

// Open-loop arrivals of groups of requests: a stream (one request per arrival, no
// group) or a document_batch (a job of several documents sharing its arrival and id).
class BatchGenerator : public Generator {
 public:
  struct Shape {
    Arrival arrival;
    int64_t count;             // arrivals (0 = until duration)
    double duration;           // s (0 = none)
    LengthDist per_arrival;    // requests per arrival
    LengthDist input, output;  // per request
    bool grouped;              // RequestSpec::session = arrival number
    double cached_fraction;    // RequestSpec::stored_prefix_tokens / input_tokens
  };
  BatchGenerator(const std::string& name, uint64_t seed, Shape shape)
      : shape_(shape),
        arrivals_(shape_.arrival, stream_seed(seed, name + "/arrivals")),
        lengths_(stream_seed(seed, name + "/lengths")) {
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
  double progress(double now) const override {
    return exhausted() ? 1.0
                       : std::max(fraction(double(arrived_), double(shape_.count)), fraction(now, shape_.duration));
  }
  bool reacts_to_completions() const override { return false; }

 private:
  // Draws the next arrival and its requests, unless the count or the duration is reached.
  void arrive() {
    if (shape_.count > 0 && arrived_ >= shape_.count) return;
    const double t = arrivals_.next();
    if (shape_.duration > 0 && t > shape_.duration) return;
    const int64_t n = draw_length(shape_.per_arrival, lengths_);
    for (int64_t i = 0; i < n; ++i) {
      RequestSpec r;
      r.arrival = t;
      r.input_tokens = draw_length(shape_.input, lengths_);
      r.output_tokens = draw_length(shape_.output, lengths_);
      r.stored_prefix_tokens = static_cast<int64_t>(double(r.input_tokens) * shape_.cached_fraction);
      if (shape_.grouped) r.session = arrived_;
      pending_.push_back(std::move(r));
    }
    ++arrived_;
  }
  Shape shape_;
  ArrivalProcess arrivals_;
  Rng lengths_;
  std::deque<RequestSpec> pending_;
  int64_t arrived_ = 0;
};

void read_stream(MapReader& r, Workload* w) {
  auto p = std::make_shared<StreamParams>();
  p->arrival = read_arrival(r.child("arrival"));
  p->input = read_lengths(r.child("input_tokens"));
  p->output = read_lengths(r.child("output_tokens"));
  read_count_or_duration(r, "requests", INT64_MAX, &p->requests, &p->duration, p->arrival.rate);
  // The share of every prompt already in an external KV store (a context cache on disk,
  // as DeepSeek's 56.3%): attended by the prefill, not computed. 0 = none.
  p->cached_fraction = r.quantity_or("cached_fraction", Dimension::Number, 0, 0, 0.999);
  w->params = std::move(p);
}

std::unique_ptr<Generator> make_stream(const Workload& w, const Part& part) {
  const auto& p = params_of<StreamParams>(w);
  return std::make_unique<BatchGenerator>(
      w.name, part.seed,
      BatchGenerator::Shape{scaled(p.arrival, part.rate_scale), p.requests, p.duration, LengthDist{}, p.input, p.output,
                            false, p.cached_fraction});
}

void read_document_batch(MapReader& r, Workload* w) {
  auto p = std::make_shared<DocumentBatchParams>();
  p->arrival = read_arrival(r.child("arrival"));
  p->documents = read_lengths(r.child("documents_per_job"));
  // A job's documents are drawn when it arrives, all at once: a million at most.
  const int64_t most_documents = std::max(p->documents.value, p->documents.max);
  if (most_documents > kMaxDocumentsPerJob)
    r.fail("documents_per_job", "more than " + std::to_string(kMaxDocumentsPerJob) + " documents per job");
  read_count_or_duration(r, "jobs", INT64_MAX, &p->jobs, &p->duration, p->arrival.rate, double(most_documents));
  p->input = read_lengths(r.child("input_tokens"));
  p->output = read_lengths(r.child("output_tokens"));
  w->deadline = r.quantity("deadline", Dimension::Time, 1e-9);
  w->params = std::move(p);
}

std::unique_ptr<Generator> make_document_batch(const Workload& w, const Part& part) {
  const auto& p = params_of<DocumentBatchParams>(w);
  return std::make_unique<BatchGenerator>(w.name, part.seed,
                                          BatchGenerator::Shape{scaled(p.arrival, part.rate_scale), p.jobs, p.duration,
                                                                p.documents, p.input, p.output, true, 0.0});
}

}  // namespace

WorkloadKind stream_kind() { return {"stream", read_stream, make_stream, ""}; }

WorkloadKind document_batch_kind() { return {"document_batch", read_document_batch, make_document_batch, ""}; }

}  // namespace stacksim
