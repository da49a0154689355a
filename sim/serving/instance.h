// Instance: one serving replica (a group of chips running the whole model with expert
// parallelism and data-parallel attention), simulated by events on the run's calendar
// (serving/calendar.h): a step's end, a coalesced span's end, a wake-up.
//
// Roles: "colocated" instances prefill and decode; in disaggregated serving "prefill"
// instances hand each prompt's KV to the listener (which moves it to a decode instance)
// and "decode" instances take requests whose KV has arrived.
//
// Each step (next()): admit waiting requests while KV memory and the
// sequence limit allow (reusing cached prefix blocks), make room for the step's KV
// growth (on-demand allocation: evict cached blocks, then preempt sequences), take the
// decoding sequences plus prompt chunks up to the token budget, ask the performance
// model for the step time, schedule its end, then (step_ended()) retire what finished. Which requests are
// admitted, chunked and preempted is the BatchPolicy's choice (serving/batch_policy.h);
// the instance keeps the mechanism. Decoding progress is implicit (every decoding sequence gains
// tokens_per_step tokens each step), so a step costs O(1) plus the requests that start,
// finish or are preempted in it, whatever the batch size.
//
// Coalesced decode (instance_coast.cpp): when a step would decode only (no prompt, no
// waiting request, no KV load), the instance's future is fixed until something touches it:
// the batch is the same and each step's time is a known function of the growing KV. The
// instance then plans a span of steps up to the next completion (the finish-step heap),
// the step whose KV growth would not fit, the horizon or kMaxSpan steps, sums their
// times and schedules the span's end. An arrival or a failure cuts the span; the steps begun
// by then count, and the instance takes the newcomer at the end of the step under way,
// as stepping one by one would. The summary is the same within floating-point rounding
// of the step times' sums (tests/test_coalesce.cpp compares every metric).
//
// KV accounting, in tokens: occupancy = kv held by requests outside the prefix cache
// (static part + decode growth) + blocks cached in HBM <= capacity, always.
#pragma once

#include <cstdint>
#include <deque>
#include <queue>
#include <vector>

#include "metrics/metrics.h"
#include "perf/perf_model.h"
#include "serving/batch_policy.h"
#include "serving/calendar.h"
#include "serving/chip_power.h"
#include "serving/decode_order.h"
#include "serving/load_board.h"
#include "serving/pool_view.h"
#include "serving/prefix_cache.h"
#include "serving/request.h"

namespace stacksim {

class Instance;

class InstanceListener {
 public:
  virtual ~InstanceListener() = default;
  virtual void on_complete(Request& r, double now) = 0;
  // Prefill role: r's prompt is done; its KV stays here until release_transferred(r).
  virtual void on_prefilled(Request& r, Instance& from, double now) = 0;
  // A decode step that began at `start` and took `duration` s gave `seqs` sequences their next tokens.
  virtual void on_decode_step(double /*start*/, double /*duration*/, int64_t /*seqs*/) {}
  // For the run's observers (--timeline, --trace; called only when Instance::observe()
  // was): a step starting now for `duration` s (the model's time `t` plus KV loads), its
  // sequences holding `kv_tokens` of KV and producing `output_tokens`; a preemption.
  virtual void on_step(const Instance& /*in*/, const BatchShape& /*b*/, const StepTime& /*t*/, double /*start*/,
                       double /*duration*/, double /*kv_tokens*/, double /*output_tokens*/) {}
  virtual void on_preempted(const Instance& /*in*/, const Request& /*r*/, double /*now*/) {}
  // `in` was handed work and must be woken: call in.wake(), now or once the caller's
  // other hand-offs of this instant are done.
  virtual void wake_soon(Instance& in) = 0;
};

class Instance : private Admission {
 public:
  enum class Role { Colocated, Prefill, Decode };

  // `board` is where the instance mirrors its load for routers (PoolView::loads(), slot
  // `index`): outstanding_tokens(), or PoolView::kDown while it is down.
  Instance(int index, Role role, const PerfModel& perf, const Serving& serving, InstanceListener* listener,
           int64_t block_tokens, LoadBoard* board);

  // Puts the instance on the calendar, idle; its chips are [first_chip, first_chip + chips)
  // in `power`, whose state it sets: busy while it steps.
  void start(Calendar* calendar, ChipPower* power, int first_chip, int chips);
  // Hands a request to this instance: a prompt (colocated, prefill) or a prefilled
  // request whose KV has arrived (decode). REQUIRES: up().
  void enqueue(Request* r);
  // Wakes the instance (idle or coasting) for the work enqueue() handed it
  // (InstanceListener::wake_soon): an event now, after those already due now.
  void wake();
  // Prefill role: r's KV has been copied out; frees it.
  void release_transferred(Request* r);

  // A chip of this instance failed: every request it holds is dropped and returned (to
  // be re-queued elsewhere), its cache is lost, and it takes nothing until repair().
  std::vector<Request*> fail();
  void repair();
  bool up() const { return !down_; }
  bool idle() const { return idle_; }      // waiting for work (or down)
  bool stepping() const { return busy_; }  // its chips are busy (a step or span under way)
  // Bumped by every fail(): work that started before a failure is void after it.
  uint64_t epoch() const { return epoch_; }

  Role role() const { return role_; }
  int index() const { return index_; }
  int64_t kv_capacity() const { return kv_capacity_; }
  // Leading prompt tokens of r this instance's prefix cache holds (HBM or second tier).
  int64_t cached_prefix_tokens(const Request& r) const;
  // Prompt and output tokens of the requests assigned here and not yet finished.
  int64_t outstanding_tokens() const { return outstanding_tokens_; }
  // Requests assigned here and not yet admitted to the batch.
  int64_t waiting_requests() const { return static_cast<int64_t>(waiting_.size()); }
  int64_t in_flight() const { return in_flight_; }
  const InstanceTotals& totals() const { return totals_; }
  // At the end of the run: a step still under way then (cut by a horizon, or lost to a
  // failure and slept out) counts only its time before `end`. Returns the time taken off.
  double trim_busy(double end);
  // Sequences prefilling or decoding; KV tokens in use now (sequences and prefix cache).
  int64_t running() const { return static_cast<int64_t>(prefilling_.size()) + n_decoding_; }
  int64_t kv_used() const { return occupancy(step_); }
  // Report each step and preemption to the listener's observer calls.
  void observe() { observed_ = true; }
  // Coalesced decode: off makes every step its own event; `horizon` (> 0) bounds the
  // spans, and so do the multiples of `interval` (> 0: the timeline's, whose sampler reads
  // the instance at each and counts the steps of each interval before its end).
  void set_coalescing(bool on, double horizon, double interval) {
    coalesce_ = on;
    horizon_ = horizon;
    interval_ = interval;
  }
  static constexpr int64_t kMaxSpan = 4096;  // steps in one coalesced span, at most

 private:
  struct HeapEntry {
    int64_t finish_step;
    int64_t id;
    uint32_t epoch;
    Request* r;
  };
  struct ByFinish {  // min-heap on (finish_step, id): ties broken by id, deterministically
    bool operator()(const HeapEntry& a, const HeapEntry& b) const {
      return a.finish_step != b.finish_step ? a.finish_step > b.finish_step : a.id > b.id;
    }
  };

  // The instance is free (idle, woken, or a step ended): plans and schedules its next
  // step or span, or goes idle.
  void next();
  void step_ended();
  // Events on the calendar (the tag of a span's end: its token, stale once the span is cut).
  // A step's or a span's end counts in totals_.sleeps as it fires (a stale one too).
  static void on_wake(void* in, uint64_t) { static_cast<Instance*>(in)->woken(); }
  static void on_step_end(void* p, uint64_t) {
    auto* in = static_cast<Instance*>(p);
    ++in->totals_.sleeps;
    in->step_ended();
  }
  static void on_span_end(void* p, uint64_t token) {
    auto* in = static_cast<Instance*>(p);
    ++in->totals_.sleeps;
    in->end_span(token);
  }
  void woken();
  void schedule_wake() { calendar_->at(calendar_->now(), this, on_wake); }
  bool try_admit(Request* r) override;                // Admission, for the policy
  bool make_room(int64_t tokens);                     // evicts cached blocks until `tokens` more fit
  bool admit_resumed(Request* r, int64_t remaining);  // a transferred or swapped-out context
  void make_room_for_step();                          // on-demand: room for the next step's growth
  bool preempt();                                     // the policy's victim; false when no sequence is decoding
  void join_decode(Request* r);
  void leave_decode(Request* r);
  BatchShape plan_step(std::vector<Chunk>* chunks) const;
  double prefill_share(const BatchShape& shape) const;
  // A step from `start` (instance_accounting.cpp).
  void account_step(const BatchShape& shape, const StepTime& t, double duration, double start);
  // Coalesced decode (instance_coast.cpp): the span's steps from now (0 when this step is
  // not decode-only or the span would be shorter than 2 steps); coasting through it (its
  // end scheduled); an arrival cutting it at the end of the step under way; its end.
  int64_t plan_span();
  void coast();
  void cut_span();
  void end_span(uint64_t token);
  BatchShape span_shape(int64_t j) const;  // the span's j-th step
  double span_step_start(size_t j) const;
  size_t span_begun(double now) const;  // the span's steps started before `now`
  size_t span_ended(double now) const;  // ... and ended by `now`
  void account_span(size_t begun);      // accounts the span's first `begun` steps (once each)
  void report_span(size_t ended);       // reports the first `ended` (once each) and sets step_ past them
  void settle_on_failure(double now);   // fail() while coasting
  // `decoded`: the decoding sequences ran in this step (a prefill-only step leaves them).
  void finish_step(const std::vector<Chunk>& chunks, bool decoded, double now);
  void complete(Request* r, double now);
  void drop_kv(Request* r);
  int64_t occupancy(int64_t at_step) const;  // KV tokens in use at the start of step `at_step`
  double decode_kv_tokens() const;           // context tokens of all decoding sequences now
  double kv_bytes_per_token_chip() const { return perf_.memory().kv_bytes_per_token; }
  // KV a sequence of `n` tokens holds in its sliding-window layers, in global-token equivalents.
  int64_t window_tokens(int64_t n) const { return perf_.memory().held_tokens(n) - n; }

  const int index_;
  const Role role_;
  const PerfModel& perf_;
  const Serving& serving_;
  InstanceListener* const listener_;
  const int64_t kv_capacity_;
  const int64_t max_seqs_;
  const int64_t step_token_budget_;  // tokens per step over the whole instance
  const int64_t chunk_limit_;        // tokens per step of one sequence (its context-parallel ranks' budgets)
  const bool on_demand_;
  const bool swap_;  // preempted sequences swap their KV out (else they recompute)
  const bool caching_;
  const StepBudget budget_;
  const std::unique_ptr<BatchPolicy> policy_;
  PrefixCache cache_;

  std::deque<Request*> waiting_;
  std::deque<Request*> prefilling_;
  std::priority_queue<HeapEntry, std::vector<HeapEntry>, ByFinish> decoding_;
  DecodeOrder decode_order_;  // the decoding requests by start, for preemption
  int64_t n_decoding_ = 0;
  // Aggregates that make decode KV O(1): context of sequence i at step s is
  // ctx_i + a * (s - join_i), so the sum is sum_ctx + a * (n * s - sum_join).
  int64_t sum_ctx_ = 0, sum_join_ = 0;
  int64_t kv_static_ = 0;         // sum of Request::kv_static over the requests held here
  int64_t prefilled_tokens_ = 0;  // prompt tokens in KV for prefilling sequences (for utilisation)
  int64_t step_ = 0;
  double pending_load_ = 0;  // s of KV loads/stores to charge to the next step
  int64_t outstanding_tokens_ = 0;
  LoadBoard* const board_;
  void publish_load() { board_->set(size_t(index_), down_ ? PoolView::kDown : outstanding_tokens_); }
  int64_t in_flight_ = 0;
  InstanceTotals totals_;

  Calendar* calendar_ = nullptr;
  ChipPower* power_ = nullptr;
  int first_chip_ = 0, chips_ = 0;
  void set_busy(bool busy) {
    if (busy == busy_) return;
    busy_ = busy;
    power_->set_busy(first_chip_, chips_, busy, calendar_->now());
  }
  bool busy_ = false;
  // The step under way (its end is scheduled): what finish_step needs then.
  std::vector<Chunk> chunks_;
  BatchShape shape_;
  double step_start_ = 0, step_duration_ = 0;
  uint64_t step_epoch_ = 0;  // epoch_ when the step or span under way began (a failure since voids it)
  bool idle_ = false;
  double busy_until_ = 0;  // when the latest step ends
  bool down_ = false;
  bool observed_ = false;
  uint64_t epoch_ = 0;  // bumped by fail(): a step in flight then is void
  // Coalesced decode: the span under way (span_ends_[j]: the end of its j-th step).
  bool coalesce_ = true;
  double horizon_ = 0, interval_ = 0;
  bool coasting_ = false;
  bool wake_queued_ = false;  // enqueue() asked the listener for a wake() not yet sent
  uint64_t span_token_ = 0;   // the span end scheduled last (older ones are stale)
  size_t span_last_ = 0;      // the span's steps that run (all, or up to the one under way when cut)
  double span_start_ = 0;
  int64_t span_first_step_ = 0;
  std::vector<double> span_ends_, span_durations_;
  BatchShape span_shape0_;
  std::vector<StepTime> span_times_;  // the model's time of each step (for the observers only)
  size_t span_accounted_ = 0, span_reported_ = 0;
  double span_lost_end_ = 0;  // a failure interrupted the span: when the step it lost ends
};

}  // namespace stacksim
