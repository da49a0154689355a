// Instance's bookkeeping of each step: what it cost (busy time split between prefill and
// decode, KV held, the peak), checked against the KV capacity, and shown to the observers.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "serving/instance.h"

namespace stacksim {

// Attributes a step to prefill and decode work by what each would cost alone.
double Instance::prefill_share(const BatchShape& shape) const {
  if (shape.decode_seqs == 0) return 1.0;
  if (shape.prefill_tokens == 0) return 0.0;
  BatchShape p = shape, d = shape;
  p.decode_seqs = 0;
  p.decode_kv_tokens = 0;
  d.prefill_tokens = 0;
  d.prefill_attn_pairs = 0;
  d.prefill_seqs_done = 0;
  d.max_chunk = 0;
  const double tp = perf_.step_time(p).total, td = perf_.step_time(d).total;
  return tp / (tp + td);
}

double Instance::trim_busy(double end) {
  const double excess = std::max(0.0, busy_until_ - end);
  totals_.busy_time -= excess;
  busy_until_ = std::min(busy_until_, end);
  return excess;
}

void Instance::account_step(const BatchShape& shape, const StepTime& t, double duration, double start) {
  const double share = prefill_share(shape);
  const int64_t occ = occupancy(step_ + 1);
  totals_.steps++;
  totals_.busy_time += duration;
  busy_until_ = start + duration;
  totals_.prefill_time += duration * share;
  totals_.decode_time += duration * (1 - share);
  totals_.batch_seq_steps += double(shape.decode_seqs);
  const double kv_tokens = double(prefilled_tokens_) + shape.decode_kv_tokens;
  totals_.kv_token_seconds += kv_tokens * duration;
  if (kv_capacity_ > 0) totals_.kv_peak_fraction = std::max(totals_.kv_peak_fraction, double(occ) / kv_capacity_);
  if (occ > kv_capacity_) totals_.kv_overflows++;
#ifndef NDEBUG
  // Debug builds check continuously what check_end_invariants checks at the end.
  if (occ > kv_capacity_)
    throw std::logic_error("invariant violated: instance " + std::to_string(index_) + " would hold " +
                           std::to_string(occ) + " KV tokens, capacity " + std::to_string(kv_capacity_));
#endif
  if (observed_) {
    const double output = double(shape.decode_seqs) * perf_.tokens_per_step() + double(shape.prefill_seqs_done);
    listener_->on_step(*this, shape, t, start, duration, kv_tokens, output);
  }
}

}  // namespace stacksim
