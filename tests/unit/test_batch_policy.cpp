// The batch policies over plain requests and a fake KV admission: admission order and
// blocking, the step's chunks within the token budget, and the preemption victim.
#include <catch2/catch.hpp>
#include <deque>

#include "serving/batch_policy.h"

using namespace stacksim;

namespace {

// Admits while `room` tokens of prompt remain.
struct FakeAdmission : Admission {
  int64_t room;
  std::vector<int64_t> admitted;
  explicit FakeAdmission(int64_t r) : room(r) {}
  bool try_admit(Request* r) override {
    if (r->prompt_tokens > room) return false;
    room -= r->prompt_tokens;
    admitted.push_back(r->id);
    return true;
  }
};

Request prompt(int64_t id, int64_t tokens, int64_t prefilled = 0) {
  Request r;
  r.id = id;
  r.prompt_tokens = tokens;
  r.prefilled = prefilled;
  return r;
}

}  // namespace

TEST_CASE("fcfs_chunked admits in arrival order and a request that does not fit blocks those behind it") {
  auto p = batch_policies().make("fcfs_chunked");
  Request a = prompt(1, 400), b = prompt(2, 700), c = prompt(3, 100);
  std::deque<Request*> waiting{&a, &b, &c};
  FakeAdmission kv(1000);
  p->admit(waiting, kv);
  CHECK(kv.admitted == std::vector<int64_t>{1});  // b does not fit; c, which would, waits behind it
  REQUIRE(waiting.size() == 2);
  CHECK(waiting.front() == &b);
}

TEST_CASE("fcfs_chunked fills the budget left by decoding sequences with chunks, in order") {
  auto p = batch_policies().make("fcfs_chunked");
  Request a = prompt(1, 5000, 1000), b = prompt(2, 300), c = prompt(3, 3000);
  std::deque<Request*> prefilling{&a, &b, &c};
  StepBudget budget{4096, 2048, 1};  // MTP with one draft token: each decoding sequence takes 2
  BatchShape shape;
  shape.decode_seqs = 100;
  std::vector<Chunk> chunks;
  p->plan(prefilling, budget, &chunks, &shape);
  // 4096 - 200 = 3896 tokens: a gets one rank's 2048 (4000 left), b its 300, c the last 1548.
  REQUIRE(chunks.size() == 3);
  CHECK(chunks[0].tokens == 2048);
  CHECK(chunks[1].tokens == 300);
  CHECK(chunks[2].tokens == 1548);
  CHECK(shape.prefill_tokens == 3896);
  CHECK(shape.max_chunk == 2048);
  CHECK(shape.prefill_seqs_done == 1);  // only b's prompt completes
  // Causal pairs: each chunk sees the prompt before it and itself.
  const double pairs = 2048.0 * 1000 + 2048.0 * 2049 / 2 + 300.0 * 301 / 2 + 1548.0 * 1549 / 2;
  CHECK(shape.prefill_attn_pairs == Approx(pairs).epsilon(1e-15));
}

TEST_CASE("fcfs_chunked plans no chunk when decoding takes the whole budget") {
  auto p = batch_policies().make("fcfs_chunked");
  Request a = prompt(1, 100);
  std::deque<Request*> prefilling{&a};
  BatchShape shape;
  shape.decode_seqs = 4096;
  std::vector<Chunk> chunks;
  p->plan(prefilling, StepBudget{4096, 2048, 0}, &chunks, &shape);
  CHECK(chunks.empty());
  CHECK(shape.prefill_tokens == 0);
}

TEST_CASE("fcfs_chunked preempts the newest live decoding sequence and requeues it first") {
  auto p = batch_policies().make("fcfs_chunked");
  Request a = prompt(1, 10), b = prompt(2, 10), c = prompt(3, 10);
  DecodeOrder order;
  order.push(&a, 1);
  order.push(&b, 2);
  order.push(&c, 3);
  c.done = true;  // finished: stale
  ++b.epoch;      // preempted before: stale
  CHECK(p->preemption_victim(order) == &a);
  CHECK(p->preemption_victim(order) == nullptr);
  Request w = prompt(4, 10);
  std::deque<Request*> waiting{&w};
  p->requeue(waiting, &a);
  CHECK(waiting.front() == &a);
}

TEST_CASE("prefill_first runs prompts alone: the decoding sequences wait for a prefill step") {
  auto p = batch_policies().make("prefill_first");
  Request a = prompt(1, 5000, 1000), b = prompt(2, 300);
  std::deque<Request*> prefilling{&a, &b};
  BatchShape shape;
  shape.decode_seqs = 100;
  shape.decode_kv_tokens = 1e5;
  std::vector<Chunk> chunks;
  p->plan(prefilling, StepBudget{4096, 2048, 1}, &chunks, &shape);
  // The whole budget goes to prompts: a gets one rank's 2048, b its 300; nobody decodes.
  REQUIRE(chunks.size() == 2);
  CHECK(chunks[0].tokens == 2048);
  CHECK(chunks[1].tokens == 300);
  CHECK(shape.prefill_tokens == 2348);
  CHECK(shape.decode_seqs == 0);
  CHECK(shape.decode_kv_tokens == 0);
  // With no prompt left the step decodes everyone, as it was given.
  BatchShape decode;
  decode.decode_seqs = 100;
  chunks.clear();
  p->plan({}, StepBudget{4096, 2048, 1}, &chunks, &decode);
  CHECK(chunks.empty());
  CHECK(decode.decode_seqs == 100);
}
