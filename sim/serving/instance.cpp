#include "serving/instance.h"

#include <algorithm>
#include <cmath>
#include <mutex>

namespace sg4 = simgrid::s4u;

namespace stacksim {

Instance::Instance(int index, const PerfModel& perf, const Serving& serving, InstanceListener* listener)
    : index_(index),
      perf_(perf),
      serving_(serving),
      listener_(listener),
      kv_capacity_(perf.memory().kv_tokens_per_instance),
      max_seqs_(int64_t(serving.max_seqs_per_chip) * serving.dp_ranks()),
      step_token_budget_(int64_t(serving.token_budget_per_chip) * serving.dp_ranks()),
      chunk_limit_(serving.token_budget_per_chip) {}

void Instance::start(sg4::Host* host) {
  mutex_ = sg4::Mutex::create();
  wake_ = sg4::ConditionVariable::create();
  sg4::Actor::create("instance-" + std::to_string(index_), host, [this] { run(); })->daemonize();
}

void Instance::enqueue(Request* r) {
  waiting_.push_back(r);
  outstanding_tokens_ += r->spec.input_tokens + r->spec.output_tokens;
  ++in_flight_;
  if (idle_) wake_->notify_one();
}

void Instance::admit() {
  // First come, first served: a request that does not fit blocks those behind it, so
  // long prompts are not starved by short ones.
  while (!waiting_.empty()) {
    Request* r = waiting_.front();
    const int64_t need = r->spec.input_tokens + r->spec.output_tokens;
    const int64_t running = static_cast<int64_t>(prefilling_.size() + decoding_.size());
    if (reserved_ + need > kv_capacity_ || running >= max_seqs_) break;
    waiting_.pop_front();
    r->kv_reserved = need;
    reserved_ += need;
    prefilling_.push_back(r);
  }
}

double Instance::decode_kv_tokens() const {
  const double n = double(decoding_.size());
  return double(sum_ctx_) + perf_.tokens_per_step() * (n * double(step_) - double(sum_join_));
}

BatchShape Instance::plan_step(std::vector<Chunk>* chunks) const {
  BatchShape b;
  b.decode_seqs = static_cast<int64_t>(decoding_.size());
  b.decode_kv_tokens = decode_kv_tokens();
  // Decoding tokens take their share of the step's token budget first.
  int64_t budget = step_token_budget_ - static_cast<int64_t>(std::ceil(b.decode_seqs * (1.0 + serving_.mtp_draft_tokens)));
  for (Request* r : prefilling_) {
    if (budget <= 0) break;
    const int64_t left = r->spec.input_tokens - r->prefilled;
    const int64_t c = std::min({left, budget, chunk_limit_});
    chunks->push_back({r, c});
    budget -= c;
    b.prefill_tokens += c;
    // Causal attention: the chunk's tokens see the prompt before them and each other.
    b.prefill_attn_pairs += double(c) * double(r->prefilled) + double(c) * double(c + 1) / 2;
    b.max_chunk = std::max(b.max_chunk, c);
    if (c == left) ++b.prefill_seqs_done;
  }
  return b;
}

void Instance::complete(Request* r, double now) {
  reserved_ -= r->kv_reserved;
  outstanding_tokens_ -= r->spec.input_tokens + r->spec.output_tokens;
  --in_flight_;
  listener_->on_complete(*r, now);
}

void Instance::finish_step(const std::vector<Chunk>& chunks, double now) {
  ++step_;
  for (const Chunk& c : chunks) {
    Request* r = c.r;
    r->prefilled += c.tokens;
    prefilled_tokens_ += c.tokens;
  }
  // The chunks came from the first chunks.size() prefilling requests, in order: take
  // out those whose prompt is now complete (this step produced their first token).
  const auto first = prefilling_.begin(), last = first + static_cast<std::ptrdiff_t>(chunks.size());
  prefilling_.erase(std::remove_if(first, last, [](const Request* r) { return r->prefilled >= r->spec.input_tokens; }),
                    last);
  for (const Chunk& c : chunks) {
    Request* r = c.r;
    if (r->prefilled < r->spec.input_tokens) continue;
    prefilled_tokens_ -= r->prefilled;
    r->first_token = now;
    const int64_t rest = r->spec.output_tokens - 1;
    if (rest <= 0) {
      complete(r, now);
      continue;
    }
    r->join_step = step_;
    r->finish_step = step_ + static_cast<int64_t>(std::ceil(double(rest) / perf_.tokens_per_step() - 1e-9));
    sum_ctx_ += r->spec.input_tokens + 1;
    sum_join_ += step_;
    decoding_.push(r);
  }
  while (!decoding_.empty() && decoding_.top()->finish_step <= step_) {
    Request* r = decoding_.top();
    decoding_.pop();
    sum_ctx_ -= r->spec.input_tokens + 1;
    sum_join_ -= r->join_step;
    complete(r, now);
  }
}

void Instance::run() {
  std::vector<Chunk> chunks;
  // Only this actor takes this mutex: it is held for the whole run so that checking
  // for work and going to sleep cannot be separated by a yield (a lost wake-up).
  std::unique_lock<sg4::Mutex> lock(*mutex_);
  while (true) {
    admit();
    if (prefilling_.empty() && decoding_.empty()) {
      idle_ = true;
      wake_->wait(lock);
      idle_ = false;
      // Let every other actor due at this instant run first, so that requests arriving
      // together start in the same step whatever order SimGrid wakes actors in.
      sg4::this_actor::yield();
      continue;
    }
    chunks.clear();
    const BatchShape shape = plan_step(&chunks);
    const StepTime t = perf_.step_time(shape);

    // Attribute the step to prefill and decode work by what each would cost alone.
    double prefill_share = shape.decode_seqs == 0 ? 1.0 : 0.0;
    if (shape.decode_seqs > 0 && shape.prefill_tokens > 0) {
      BatchShape p = shape, d = shape;
      p.decode_seqs = 0;
      p.decode_kv_tokens = 0;
      d.prefill_tokens = 0;
      d.prefill_attn_pairs = 0;
      d.prefill_seqs_done = 0;
      d.max_chunk = 0;
      const double tp = perf_.step_time(p).total, td = perf_.step_time(d).total;
      prefill_share = tp / (tp + td);
    }
    const double kv_used = double(prefilled_tokens_) + shape.decode_kv_tokens;
    totals_.steps++;
    totals_.busy_time += t.total;
    totals_.prefill_time += t.total * prefill_share;
    totals_.decode_time += t.total * (1 - prefill_share);
    totals_.batch_seq_steps += double(shape.decode_seqs);
    totals_.kv_token_seconds += kv_used * t.total;
    if (kv_capacity_ > 0) totals_.kv_peak_fraction = std::max(totals_.kv_peak_fraction, double(reserved_) / kv_capacity_);
    if (reserved_ > kv_capacity_ || kv_used > double(reserved_) + 1e-6) totals_.kv_overflows++;

    sg4::this_actor::sleep_for(t.total);
    finish_step(chunks, sg4::Engine::get_clock());
  }
}

}  // namespace stacksim
