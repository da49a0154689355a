// fcfs_chunked: vLLM's and SGLang's default scheduling.
// - Admission is first come, first served: a request that does not fit blocks those
//   behind it, so long prompts are not starved by short ones.
// - A step takes every decoding sequence (each with its MTP draft tokens) and fills the
//   rest of the token budget with prompt chunks in admission order, each at most one
//   rank's budget (chunked prefill).
// - When the KV cache runs short the newest decoding sequence is preempted and goes back
//   to the front of the queue.
#include <algorithm>
#include <cmath>

#include "serving/batch_policy.h"

namespace stacksim {

namespace {

class FcfsChunked : public BatchPolicy {
 public:
  void admit(std::deque<Request*>& waiting, Admission& kv) override {
    while (!waiting.empty() && kv.try_admit(waiting.front())) waiting.pop_front();
  }

  void plan(const std::deque<Request*>& prefilling, const StepBudget& budget, std::vector<Chunk>* chunks,
            BatchShape* b) const override {
    // Decoding tokens take their share of the step's token budget first.
    const int64_t left_in_step =
        budget.tokens - static_cast<int64_t>(std::ceil(b->decode_seqs * (1.0 + budget.mtp_draft_tokens)));
    fill_chunks(prefilling, left_in_step, budget, chunks, b);
  }

  Request* preemption_victim(DecodeOrder& order) override { return order.pop_newest(); }

  void requeue(std::deque<Request*>& waiting, Request* r) override { waiting.push_front(r); }
};

}  // namespace

void fill_chunks(const std::deque<Request*>& prefilling, int64_t tokens, const StepBudget& budget,
                 std::vector<Chunk>* chunks, BatchShape* b) {
  for (Request* r : prefilling) {
    if (tokens <= 0) break;
    const int64_t left = r->prompt_tokens - r->prefilled;
    const int64_t c = std::min({left, tokens, budget.chunk_limit});
    chunks->push_back({r, c});
    tokens -= c;
    b->prefill_tokens += c;
    b->prefill_attn_pairs += double(c) * double(r->prefilled) + double(c) * double(c + 1) / 2;
    b->max_chunk = std::max(b->max_chunk, c);
    if (c == left) ++b->prefill_seqs_done;
  }
}

std::unique_ptr<BatchPolicy> make_fcfs_chunked() { return std::make_unique<FcfsChunked>(); }

}  // namespace stacksim
