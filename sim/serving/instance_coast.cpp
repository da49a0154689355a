// Coalesced decode (see serving/instance.h): a decode-only instance has one event for
// the steps up to its next event instead of one per step.
//
// Span steps are numbered j = 0..k-1 from span_first_step_: step j starts at start(j)
// (span_start_, then the previous step's end) and ends at span_ends_[j], the running sum
// of the step times in the order a step-by-step run adds them, so the clock lands on the
// same boundaries. Accounting a step (its busy time, KV, energy state) happens when it is
// known to have begun; reporting it (the decode step's tokens and inter-token latency,
// step_) when it has ended.
#include <algorithm>
#include <cmath>

#include "serving/instance.h"

namespace stacksim {

BatchShape Instance::span_shape(int64_t j) const {
  BatchShape b = span_shape0_;
  const int64_t at = span_first_step_ + j;
  b.decode_kv_tokens =
      double(sum_ctx_) + perf_.tokens_per_step() * (double(n_decoding_) * double(at) - double(sum_join_));
  return b;
}

int64_t Instance::plan_span() {
  // Only a decode-only step with nothing that could join at the next boundary: a waiting
  // request that could not be admitted now cannot be before a completion either (the KV
  // in use only grows and the sequences stay), and the span ends at the next completion.
  if (!coalesce_ || !prefilling_.empty() || !waiting_.empty() || pending_load_ > 0 || n_decoding_ == 0 ||
      decoding_.empty())
    return 0;
  const int64_t until = std::min(decoding_.top().finish_step - step_, kMaxSpan);
  if (until < 2) return 0;
  std::vector<Chunk> none;  // nothing is prefilling: stays empty
  span_first_step_ = step_;
  span_shape0_ = plan_step(&none);
  span_start_ = calendar_->now();
  span_ends_.clear();
  span_durations_.clear();
  span_times_.clear();
  double t = span_start_;
  // The step under way at the horizon is a step of its own (accounted at its start, as the
  // run's end finds it); so is the step under way at the timeline's next boundary.
  double bound = horizon_ > 0 ? horizon_ : INFINITY;
  if (interval_ > 0) bound = std::min(bound, (std::floor(t / interval_) + 1) * interval_);
  for (int64_t j = 0; j < until; ++j) {
    // With on-demand KV, the step whose growth would not fit makes room first (evicts or
    // preempts): the span ends before it (the first step's room was made already).
    if (j > 0 && on_demand_ && occupancy(step_ + j + 1) > kv_capacity_) break;
    const StepTime st = perf_.step_time(span_shape(j));
    if (t + st.total >= bound) break;
    t += st.total;
    span_ends_.push_back(t);
    span_durations_.push_back(st.total);
    if (observed_) span_times_.push_back(st);
  }
  span_accounted_ = span_reported_ = 0;
  return span_ends_.size() >= 2 ? int64_t(span_ends_.size()) : 0;
}

double Instance::span_step_start(size_t j) const { return j == 0 ? span_start_ : span_ends_[j - 1]; }

void Instance::account_span(size_t begun) {
  const int64_t step = step_;
  for (size_t j = span_accounted_; j < begun; ++j) {
    step_ = span_first_step_ + int64_t(j);
    const BatchShape shape = span_shape(int64_t(j));
    const double start = span_step_start(j);
    account_step(shape, observed_ ? span_times_[j] : StepTime{}, span_durations_[j], start);
  }
  step_ = step;
  span_accounted_ = std::max(span_accounted_, begun);
}

void Instance::report_span(size_t ended) {
  for (size_t j = span_reported_; j < ended; ++j)
    listener_->on_decode_step(span_step_start(j), span_durations_[j], n_decoding_);
  span_reported_ = std::max(span_reported_, ended);
  step_ = span_first_step_ + int64_t(span_reported_);
}

size_t Instance::span_begun(double now) const {
  // Steps whose start is at or before now: the instance began the step starting now
  // before whatever interrupts it at this instant ran (as a step-by-step instance would
  // have: a request that a completion readies at the same instant waits for the step).
  const auto after = std::upper_bound(span_ends_.begin(), span_ends_.end(), now) - span_ends_.begin();
  return std::min(size_t(after) + 1, span_ends_.size());
}

size_t Instance::span_ended(double now) const {
  return size_t(std::upper_bound(span_ends_.begin(), span_ends_.end(), now) - span_ends_.begin());
}

void Instance::coast() {
  coasting_ = true;
  step_epoch_ = epoch_;
  span_last_ = span_ends_.size();
  set_busy(true);
  ++totals_.spans;
  calendar_->at(span_ends_.back(), this, on_span_end, ++span_token_);
}

void Instance::cut_span() {
  // An arrival: the step under way ends first, then the newcomer joins.
  coasting_ = false;
  const double now = calendar_->now();
  span_last_ = span_begun(now);
  // The steps begun count now (a failure before the one under way ends loses only that one).
  account_span(span_last_);
  report_span(span_last_ - 1);
  if (span_ends_[span_last_ - 1] > now) {
    calendar_->at(span_ends_[span_last_ - 1], this, on_span_end, ++span_token_);
    return;
  }
  end_span(++span_token_);
}

void Instance::end_span(uint64_t token) {
  if (token != span_token_) return;  // cut since, or lost to a failure
  coasting_ = false;
  if (step_epoch_ != epoch_) {  // a failure during the step under way: it is lost
    next();
    return;
  }
  // The steps before the last have ended; the last goes through finish_step, as a single
  // step does (it retires the completions due).
  account_span(span_last_);
  report_span(span_last_ - 1);
  listener_->on_decode_step(span_step_start(span_last_ - 1), span_durations_[span_last_ - 1], n_decoding_);
  std::vector<Chunk> none;
  finish_step(none, true, calendar_->now());
  next();
}

void Instance::settle_on_failure(double now) {
  // Called by fail() before it drops everything: the span's steps begun count (busy),
  // those ended produced their tokens; the one under way is lost at the instance's wake.
  const size_t begun = span_begun(now), ended = span_ended(now);
  account_span(begun);
  report_span(ended);
  span_lost_end_ = begun > ended ? span_ends_[begun - 1] : now;
  coasting_ = false;
}

}  // namespace stacksim
