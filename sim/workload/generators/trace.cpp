#include "workload/generator.h"

namespace stacksim {

namespace {

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
  bool reacts_to_completions() const override { return false; }

 private:
  std::vector<RequestSpec> rows_;
  size_t i_ = 0;
};

}  // namespace

std::unique_ptr<Generator> make_trace_generator(std::vector<RequestSpec> rows) {
  return std::make_unique<TraceGenerator>(std::move(rows));
}

}  // namespace stacksim
