// BatchPolicy: the scheduling decisions of an instance's step loop — which waiting
// requests to admit, which prompt chunks go into a step, which decoding sequence to
// preempt when the KV cache runs short. The instance keeps the mechanism (KV accounting,
// the prefix cache, the O(1) decode bookkeeping) and asks the policy at each decision.
// Each variant is one file in serving/policies/ and one line of batch_policies().
// Pure: no SimGrid (tests/unit/test_batch_policy.cpp drives one with plain requests).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "perf/perf_model.h"
#include "serving/decode_order.h"
#include "serving/request.h"
#include "util/registry.h"

namespace stacksim {

// A prompt chunk of one step: `tokens` more of r's prompt.
struct Chunk {
  Request* r;
  int64_t tokens;
};

// What the instance offers a policy at admission.
class Admission {
 public:
  virtual ~Admission() = default;
  // Admits r if the sequence limit and the KV cache allow (making room by evicting
  // cached blocks), reserving its KV; false leaves everything as it was.
  virtual bool try_admit(Request* r) = 0;
};

// The token budget of one step.
struct StepBudget {
  int64_t tokens = 0;           // over the whole instance
  int64_t chunk_limit = 0;      // of one sequence (one rank's budget)
  double mtp_draft_tokens = 0;  // per decoding sequence, on top of its one token
};

// Fills up to `tokens` of a step with prompt chunks from the front of `prefilling`, in
// order, each at most budget.chunk_limit, and adds them to the batch's prefill fields
// (causal attention: a chunk sees the prompt before it and itself).
void fill_chunks(const std::deque<Request*>& prefilling, int64_t tokens, const StepBudget& budget,
                 std::vector<Chunk>* chunks, BatchShape* b);

class BatchPolicy {
 public:
  virtual ~BatchPolicy() = default;
  // Admits requests from `waiting` through `kv`, removing those admitted.
  virtual void admit(std::deque<Request*>& waiting, Admission& kv) = 0;
  // The step's prompt chunks, taken from the front of `prefilling` in order (the
  // instance retires finished prompts from there), and the batch's prefill fields.
  // REQUIRES: shape->decode_seqs is set.
  virtual void plan(const std::deque<Request*>& prefilling, const StepBudget& budget, std::vector<Chunk>* chunks,
                    BatchShape* shape) const = 0;
  // The decoding request to preempt (removed from `order`), or null when none is.
  virtual Request* preemption_victim(DecodeOrder& order) = 0;
  // Puts a preempted request back in the waiting queue.
  virtual void requeue(std::deque<Request*>& waiting, Request* r) = 0;
};

// fcfs_chunked: first come first served, chunked prefill, newest-first preemption.
// prefill_first: the same, but a step runs prompts or decodes, never both (SGLang's default).
const Registry<BatchPolicy>& batch_policies();

}  // namespace stacksim
