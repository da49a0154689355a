// prefill_first: SGLang's default scheduling (without --enable-mixed-chunk), and vLLM's
// before chunked prefill: a step runs either prompts or decodes, never both.
// - Admission is first come, first served, as fcfs_chunked.
// - While any admitted prompt has tokens left, the step is a prefill step: prompt chunks
//   in admission order fill the whole token budget (each at most one rank's budget), and
//   the decoding sequences wait — every new prompt stalls every running sequence for
//   its prefill. Otherwise the step decodes every running sequence.
// - Preemption: the newest decoding sequence, back to the front of the queue.
#include "serving/batch_policy.h"

namespace stacksim {

namespace {

class PrefillFirst : public BatchPolicy {
 public:
  void admit(std::deque<Request*>& waiting, Admission& kv) override {
    while (!waiting.empty() && kv.try_admit(waiting.front())) waiting.pop_front();
  }

  void plan(const std::deque<Request*>& prefilling, const StepBudget& budget, std::vector<Chunk>* chunks,
            BatchShape* b) const override {
    if (prefilling.empty()) return;  // a decode step
    b->decode_seqs = 0;
    b->decode_kv_tokens = 0;
    fill_chunks(prefilling, budget.tokens, budget, chunks, b);
  }

  Request* preemption_victim(DecodeOrder& order) override { return order.pop_newest(); }

  void requeue(std::deque<Request*>& waiting, Request* r) override { waiting.push_front(r); }
};

}  // namespace

std::unique_ptr<BatchPolicy> make_prefill_first() { return std::make_unique<PrefillFirst>(); }

}  // namespace stacksim
