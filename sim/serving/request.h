// A request inside the serving simulation: its spec and the state it gathers on its way
// through the instances (prefill, KV transfer, decode; preemption and retries).
#pragma once

#include <cstdint>

#include "workload/generator.h"

namespace stacksim {

struct Request {
  int64_t id = 0;
  RequestSpec spec;
  double first_token = -1;    // s; -1 until the first output token
  double prefill_end = -1;    // s; disaggregated: when its prompt finished on the prefill pool
  int64_t prompt_tokens = 0;  // tokens to prefill: the input, or input + generated after a recompute
  int64_t prefilled = 0;      // of prompt_tokens, in KV so far (cache hits included)
  int64_t generated = 0;      // output tokens produced so far
  int64_t kv_static = 0;      // KV tokens it holds outside the prefix cache (without decode growth)
  int64_t pinned_blocks = 0;  // leading prefix-cache blocks it pins
  int64_t ctx_at_join = 0;    // context (KV tokens) when decoding started
  int64_t join_step = 0;      // the instance step after which decoding started
  int64_t finish_step = 0;    // the instance step at whose end it completes
  uint32_t epoch = 0;         // bumped when it leaves a decode heap early (preempted, failed)
  double load_time = 0;       // KV to load before its next step (second tier, swap-in), s
  bool swapped = false;       // preempted by swap: resumes decoding without a prefill
  bool done = false;
  int retries = 0;           // times restarted after a chip failure
  double pending_since = 0;  // s: when it began to wait for an instance of its pool to come back
  // For the per-request records (serving/request_log.h): the prompt tokens its last
  // admission found cached, the instance that prefilled it (colocated or prefill pool)
  // and the one that decoded it (disaggregated; -1: none), and its preemptions.
  int64_t cached_tokens = 0;
  int instance = -1, decode_instance = -1;
  int preemptions = 0;
};

}  // namespace stacksim
