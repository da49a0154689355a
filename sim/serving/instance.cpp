#include "serving/instance.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace stacksim {

Instance::Instance(int index, Role role, const PerfModel& perf, const Serving& serving, InstanceListener* listener,
                   int64_t block_tokens, LoadBoard* board)
    : index_(index),
      role_(role),
      perf_(perf),
      serving_(serving),
      listener_(listener),
      kv_capacity_(perf.memory().kv_tokens_per_instance),
      max_seqs_(int64_t(serving.max_seqs_per_chip) * serving.dp_ranks()),
      step_token_budget_(int64_t(serving.token_budget_per_chip) * serving.dp_ranks()),
      chunk_limit_(int64_t(serving.token_budget_per_chip) * serving.context_parallel),
      on_demand_(serving.kv_allocation == "on_demand"),
      swap_(serving.preemption == "swap"),
      caching_(serving.prefix_cache.enabled && role != Role::Decode),
      budget_{step_token_budget_, chunk_limit_, double(serving.mtp_draft_tokens)},
      policy_(batch_policies().make(serving.batch_policy)),
      cache_(block_tokens, serving.prefix_cache.tier2_capacity_per_chip > 0 && perf.memory().kv_bytes_per_token > 0
                               ? static_cast<int64_t>(serving.prefix_cache.tier2_capacity_per_chip *
                                                      serving.chips_per_instance / perf.memory().kv_bytes_per_token)
                               : 0),
      board_(board) {
  publish_load();
}

void Instance::start(Calendar* calendar, ChipPower* power, int first_chip, int chips) {
  calendar_ = calendar;
  power_ = power;
  first_chip_ = first_chip;
  chips_ = chips;
  idle_ = true;
}

void Instance::enqueue(Request* r) {
  waiting_.push_back(r);
  outstanding_tokens_ += r->spec.input_tokens + r->spec.output_tokens;
  publish_load();
  ++in_flight_;
  // An idle instance starts; a coasting one stops at the end of the step under way and
  // takes r then. The listener sends the wake-up once the caller has handed out every
  // request of this instant (Cluster::flush_wakes), so that they start together.
  if ((idle_ || coasting_) && !wake_queued_) {
    wake_queued_ = true;
    listener_->wake_soon(*this);
  }
}

void Instance::wake() {
  wake_queued_ = false;
  schedule_wake();
}

void Instance::woken() {
  if (coasting_)
    cut_span();
  else if (idle_) {
    idle_ = false;
    next();
  }
  // (else a spare wake-up: the instance is stepping, and looks for work when the step ends)
}

int64_t Instance::cached_prefix_tokens(const Request& r) const {
  if (!caching_ || r.spec.blocks.empty()) return 0;
  const auto m = cache_.match(r.spec.blocks, r.spec.blocks.size());
  return (m.hbm_blocks + m.tier2_blocks) * cache_.block_tokens();
}

int64_t Instance::occupancy(int64_t at_step) const {
  int64_t growth = 0;
  if (on_demand_ && n_decoding_ > 0)
    growth = static_cast<int64_t>(std::ceil(perf_.tokens_per_step() * double(n_decoding_ * at_step - sum_join_)));
  return kv_static_ + growth + (caching_ ? cache_.hbm_tokens() : 0);
}

bool Instance::make_room(int64_t tokens) {
  const int64_t over = occupancy(step_) + tokens - kv_capacity_;
  if (over <= 0) return true;
  if (caching_) cache_.evict(over);
  return occupancy(step_) + tokens <= kv_capacity_;
}

bool Instance::admit_resumed(Request* r, int64_t remaining) {
  const int64_t ctx = r->spec.input_tokens + r->generated;
  const int64_t need = (on_demand_ ? ctx : ctx + remaining) + window_tokens(ctx + remaining);
  if (!make_room(need)) return false;
  r->kv_static = need;
  kv_static_ += need;
  if (role_ == Role::Decode) r->decode_instance = index_;
  if (r->swapped) {
    pending_load_ += double(ctx) * kv_bytes_per_token_chip() / serving_.swap_bandwidth_per_chip;
    r->swapped = false;
  }
  join_decode(r);
  return true;
}

bool Instance::try_admit(Request* r) {
  if (int64_t(prefilling_.size()) + n_decoding_ >= max_seqs_) return false;
  const int64_t remaining = r->spec.output_tokens - r->generated;
  // The context is here (transferred, or swapped out): it resumes decoding.
  if (role_ == Role::Decode || r->swapped) return admit_resumed(r, remaining);
  // A prompt: reuse the longest cached prefix (at least one token is computed, for the
  // logits), and reserve the rest.
  int64_t hit_blocks = 0, tier2_blocks = 0;
  const int64_t B = cache_.block_tokens();
  if (caching_ && !r->spec.blocks.empty()) {
    const auto m = cache_.match(r->spec.blocks, static_cast<size_t>((r->prompt_tokens - 1) / B));
    hit_blocks = m.hbm_blocks + m.tier2_blocks;
    tier2_blocks = m.tier2_blocks;
  }
  // An external store's prefix counts as a hit when longer (at least one token computed).
  const int64_t stored = std::min(r->spec.stored_prefix_tokens, r->prompt_tokens - 1);
  const int64_t hit = std::max(hit_blocks * B, stored);
  const int64_t held = r->prompt_tokens + (role_ == Role::Prefill ? 0 : remaining);
  const int64_t need =
      (r->prompt_tokens - hit) + (on_demand_ || role_ == Role::Prefill ? 0 : remaining) + window_tokens(held);
  // Pin the hit first, so that making room cannot evict the prefix it counts on (the
  // second tier's blocks come back into HBM here, and make_room sees them).
  if (hit_blocks > 0) cache_.hold(r->spec.blocks, 0, static_cast<size_t>(hit_blocks));
  if (!make_room(need)) {
    if (hit_blocks > 0) {
      cache_.release(r->spec.blocks, static_cast<size_t>(hit_blocks));
      make_room(0);  // what came back from the second tier goes again
    }
    return false;
  }
  r->pinned_blocks = hit_blocks;
  r->prefilled = hit;
  r->cached_tokens = hit;
  r->instance = index_;
  r->kv_static = need;
  kv_static_ += need;
  prefilled_tokens_ += hit;
  if (tier2_blocks > 0 && serving_.prefix_cache.tier2_bandwidth_per_chip > 0) {
    const double load =
        double(tier2_blocks * B) * kv_bytes_per_token_chip() / serving_.prefix_cache.tier2_bandwidth_per_chip;
    pending_load_ += load;
    totals_.tier2_load_time += load;
  }
  totals_.prompt_tokens += r->prompt_tokens;
  totals_.prefix_hit_tokens += hit;
  totals_.tier2_hit_tokens += tier2_blocks * B;
  prefilling_.push_back(r);
  return true;
}

void Instance::join_decode(Request* r) {
  r->ctx_at_join = r->spec.input_tokens + r->generated;
  r->join_step = step_;
  const int64_t remaining = r->spec.output_tokens - r->generated;
  r->finish_step = step_ + static_cast<int64_t>(std::ceil(double(remaining) / perf_.tokens_per_step() - 1e-9));
  sum_ctx_ += r->ctx_at_join;
  sum_join_ += step_;
  ++n_decoding_;
  decoding_.push({r->finish_step, r->id, r->epoch, r});
  decode_order_.push(r, n_decoding_);
}

void Instance::leave_decode(Request* r) {
  sum_ctx_ -= r->ctx_at_join;
  sum_join_ -= r->join_step;
  --n_decoding_;
}

void Instance::drop_kv(Request* r) {
  kv_static_ -= r->kv_static;
  r->kv_static = 0;
  if (r->pinned_blocks > 0) cache_.release(r->spec.blocks, static_cast<size_t>(r->pinned_blocks));
  r->pinned_blocks = 0;
}

void Instance::make_room_for_step() {
  if (!on_demand_) return;
  // The KV the decoding sequences will hold at the end of this step.
  while (n_decoding_ > 0 && occupancy(step_ + 1) > kv_capacity_) {
    if (caching_ && cache_.can_evict()) {
      cache_.evict(occupancy(step_ + 1) - kv_capacity_);
      continue;
    }
    if (!preempt()) break;
  }
}

bool Instance::preempt() {
  Request* r = policy_->preemption_victim(decode_order_);
  if (!r) return false;
  const int64_t produced =
      static_cast<int64_t>(std::floor(perf_.tokens_per_step() * double(step_ - r->join_step) + 1e-9));
  r->generated = std::min(r->spec.output_tokens - 1, r->generated + produced);
  leave_decode(r);
  ++r->epoch;  // its heap entry is void
  drop_kv(r);
  ++totals_.preemptions;
  ++r->preemptions;
  if (observed_) listener_->on_preempted(*this, *r, calendar_->now());
  if (swap_) {
    r->swapped = true;
    const int64_t ctx = r->spec.input_tokens + r->generated;
    pending_load_ += double(ctx) * kv_bytes_per_token_chip() / serving_.swap_bandwidth_per_chip;
    totals_.swapped_tokens += ctx;
  } else {
    r->prompt_tokens = r->spec.input_tokens + r->generated;
    r->prefilled = 0;
    totals_.recomputed_tokens += r->prompt_tokens;
  }
  policy_->requeue(waiting_, r);
  return true;
}

BatchShape Instance::plan_step(std::vector<Chunk>* chunks) const {
  BatchShape b;
  b.decode_seqs = n_decoding_;
  b.decode_kv_tokens = decode_kv_tokens();
  policy_->plan(prefilling_, budget_, chunks, &b);
  return b;
}

double Instance::decode_kv_tokens() const {
  return double(sum_ctx_) + perf_.tokens_per_step() * (double(n_decoding_) * double(step_) - double(sum_join_));
}

void Instance::complete(Request* r, double now) {
  drop_kv(r);
  r->done = true;
  outstanding_tokens_ -= r->spec.input_tokens + r->spec.output_tokens;
  publish_load();
  --in_flight_;
  listener_->on_complete(*r, now);
}

void Instance::release_transferred(Request* r) {
  drop_kv(r);
  outstanding_tokens_ -= r->spec.input_tokens + r->spec.output_tokens;
  publish_load();
  --in_flight_;
  // The KV it frees may be what the first waiting prompt needs: an idle instance looks
  // again (found by the scenario fuzzer: the prompt waited forever, a deadlock).
  if (idle_ && !waiting_.empty()) schedule_wake();
}

void Instance::finish_step(const std::vector<Chunk>& chunks, bool decoded, double now) {
  // step_ counts the steps the decoding sequences took part in: their tokens and KV
  // follow from it (a prefill-only step of the prefill_first policy leaves them as they are).
  if (decoded) ++step_;
  for (const Chunk& c : chunks) {
    c.r->prefilled += c.tokens;
    prefilled_tokens_ += c.tokens;
  }
  // The chunks came from the first chunks.size() prefilling requests, in order: take
  // out those whose prompt is now complete (this step produced their next token).
  const auto first = prefilling_.begin(), last = first + static_cast<std::ptrdiff_t>(chunks.size());
  prefilling_.erase(std::remove_if(first, last, [](const Request* r) { return r->prefilled >= r->prompt_tokens; }),
                    last);
  for (const Chunk& c : chunks) {
    Request* r = c.r;
    if (r->prefilled < r->prompt_tokens) continue;
    prefilled_tokens_ -= r->prefilled;
    ++r->generated;
    // In disaggregated serving the first token reaches the user with the KV transfer.
    if (r->first_token < 0 && role_ != Role::Prefill) r->first_token = now;
    if (caching_ && !r->spec.blocks.empty()) {
      // The prompt's full blocks enter the cache; those it creates move from the
      // request's KV to the cache's.
      const auto full =
          std::min<size_t>(r->spec.blocks.size(), static_cast<size_t>(r->prompt_tokens / cache_.block_tokens()));
      if (full > static_cast<size_t>(r->pinned_blocks)) {
        const int64_t added = cache_.hold(r->spec.blocks, static_cast<size_t>(r->pinned_blocks), full);
        const int64_t moved = std::min(r->kv_static, added * cache_.block_tokens());
        r->kv_static -= moved;
        kv_static_ -= moved;
        r->pinned_blocks = static_cast<int64_t>(full);
      }
    }
    if (role_ == Role::Prefill) {
      r->prefill_end = now;
      listener_->on_prefilled(*r, *this, now);
      continue;
    }
    if (r->generated >= r->spec.output_tokens) {
      complete(r, now);
      continue;
    }
    join_decode(r);
  }
  while (!decoding_.empty() && decoding_.top().finish_step <= step_) {
    const HeapEntry e = decoding_.top();
    decoding_.pop();
    if (e.epoch != e.r->epoch || e.r->done) continue;  // preempted or dropped since
    leave_decode(e.r);
    e.r->generated = e.r->spec.output_tokens;
    complete(e.r, now);
  }
  decode_order_.trim();
}

std::vector<Request*> Instance::fail() {
  if (coasting_) {
    // The span stops at the failure; the step it lost is slept out (its chips stay busy).
    settle_on_failure(calendar_->now());
    ++span_token_;
    calendar_->at(span_lost_end_, this, on_step_end);
  }
  std::vector<Request*> dropped(waiting_.begin(), waiting_.end());
  dropped.insert(dropped.end(), prefilling_.begin(), prefilling_.end());
  // The decoding requests are those with a live heap entry.
  while (!decoding_.empty()) {
    const HeapEntry e = decoding_.top();
    decoding_.pop();
    if (e.epoch == e.r->epoch && !e.r->done) dropped.push_back(e.r);
  }
  for (Request* r : dropped) {
    ++r->epoch;
    r->kv_static = 0;
    r->pinned_blocks = 0;
  }
  waiting_.clear();
  prefilling_.clear();
  decode_order_.clear();
  n_decoding_ = sum_ctx_ = sum_join_ = kv_static_ = prefilled_tokens_ = 0;
  pending_load_ = 0;
  cache_.clear();
  outstanding_tokens_ = 0;
  in_flight_ = 0;
  down_ = true;
  publish_load();
  ++epoch_;
  ++totals_.failures;
  return dropped;
}

void Instance::repair() {
  down_ = false;
  publish_load();
  if (idle_) schedule_wake();
}

void Instance::next() {
  while (true) {
    if (!down_) policy_->admit(waiting_, *this);
    if (down_ || (prefilling_.empty() && n_decoding_ == 0)) {
      // Idle until woken (enqueue, repair, a transfer freeing KV).
      idle_ = true;
      set_busy(false);
      ++totals_.waits;
      return;
    }
    make_room_for_step();
    if (!prefilling_.empty() || n_decoding_ > 0) break;
  }
  if (plan_span() > 0) {
    coast();
    return;
  }
  chunks_.clear();
  shape_ = plan_step(&chunks_);
  const StepTime t = perf_.step_time(shape_);
  // KV loads and stores (second-tier hits, swaps) are not overlapped with the step.
  step_duration_ = t.total + pending_load_;
  pending_load_ = 0;
  step_start_ = calendar_->now();
  account_step(shape_, t, step_duration_, step_start_);
  step_epoch_ = epoch_;
  set_busy(true);
  calendar_->at(step_start_ + step_duration_, this, on_step_end);
}

void Instance::step_ended() {
  // A chip failed during the step (or the coalesced span): its work is lost.
  if (step_epoch_ == epoch_) {
    if (shape_.decode_seqs > 0) listener_->on_decode_step(step_start_, step_duration_, shape_.decode_seqs);
    finish_step(chunks_, shape_.decode_seqs > 0, calendar_->now());
  }
  next();
}

}  // namespace stacksim
