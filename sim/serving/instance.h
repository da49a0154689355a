// Instance: one serving replica (a group of chips running the whole model with expert
// parallelism and data-parallel attention), simulated as one SimGrid actor.
//
// Each loop iteration is one step: admit waiting requests while KV reservations and the
// sequence limit allow, take the decoding sequences plus prompt chunks up to the token
// budget (chunked prefill), ask the performance model for the step time, sleep for it,
// then retire what finished. Decoding progress is implicit (every decoding sequence
// gains tokens_per_step tokens each step) so a step costs O(1) plus the requests that
// start or finish in it, whatever the batch size.
#pragma once

#include <simgrid/s4u.hpp>

#include <cstdint>
#include <deque>
#include <queue>
#include <vector>

#include "metrics/metrics.h"
#include "perf/perf_model.h"
#include "serving/request.h"

namespace stacksim {

class InstanceListener {
 public:
  virtual ~InstanceListener() = default;
  virtual void on_complete(Request& r, double now) = 0;
};

class Instance {
 public:
  Instance(int index, const PerfModel& perf, const Serving& serving, InstanceListener* listener);

  // Starts the instance's actor on `host` (a daemon: it ends with the simulation).
  void start(simgrid::s4u::Host* host);
  // Hands a request to this instance. REQUIRES: input + output tokens fit kv_capacity().
  void enqueue(Request* r);

  int64_t kv_capacity() const { return kv_capacity_; }
  // Prompt and output tokens of the requests assigned here and not yet finished.
  int64_t outstanding_tokens() const { return outstanding_tokens_; }
  int64_t in_flight() const { return in_flight_; }
  const InstanceTotals& totals() const { return totals_; }

 private:
  struct Chunk {
    Request* r;
    int64_t tokens;
  };
  struct ByFinish {  // min-heap on (finish_step, id): ties broken by id, deterministically
    bool operator()(const Request* a, const Request* b) const {
      return a->finish_step != b->finish_step ? a->finish_step > b->finish_step : a->id > b->id;
    }
  };

  void run();
  void admit();
  BatchShape plan_step(std::vector<Chunk>* chunks) const;
  void finish_step(const std::vector<Chunk>& chunks, double now);
  void complete(Request* r, double now);
  double decode_kv_tokens() const;  // KV tokens of all decoding sequences at this step

  const int index_;
  const PerfModel& perf_;
  const Serving& serving_;
  InstanceListener* const listener_;
  const int64_t kv_capacity_;
  const int64_t max_seqs_;
  const int64_t step_token_budget_;  // tokens per step over the whole instance
  const int64_t chunk_limit_;        // tokens per step of one sequence (one rank's budget)

  std::deque<Request*> waiting_;
  std::deque<Request*> prefilling_;
  std::priority_queue<Request*, std::vector<Request*>, ByFinish> decoding_;
  // Aggregates that make decode KV O(1): KV of sequence i at step s is
  // ctx_i + a * (s - join_i), so the sum is sum_ctx + a * (n * s - sum_join).
  int64_t sum_ctx_ = 0, sum_join_ = 0;
  int64_t prefilled_tokens_ = 0;  // prompt tokens already in KV for prefilling sequences
  int64_t reserved_ = 0;          // KV tokens reserved by admitted sequences
  int64_t step_ = 0;
  int64_t outstanding_tokens_ = 0;
  int64_t in_flight_ = 0;
  InstanceTotals totals_;

  simgrid::s4u::MutexPtr mutex_;
  simgrid::s4u::ConditionVariablePtr wake_;
  bool idle_ = false;
};

}  // namespace stacksim
