#include <algorithm>
#include <string>
#include <unordered_map>

#include "workload/arrivals.h"
#include "workload/generator.h"
#include "workload/generators/common.h"

namespace stacksim {

namespace {

// Multi-turn coding sessions (see Workload). Sessions start by the arrival process; the
// next start is always queued, so starts are drawn lazily. A session's next turn becomes
// ready think time after its previous turn completes. A rejected turn is reported like a
// completed one (on_complete cannot tell them apart), so its session goes on. Each
// session draws from its own random stream, so its team, turns and lengths do not depend
// on when its turns complete.
class CodingSessionsGenerator : public Generator {
 public:
  CodingSessionsGenerator(const Workload& w, uint64_t seed, int stream)
      : w_(w), seed_(seed), stream_(stream), arrivals_(w.arrival, stream_seed(seed, w.name + "/sessions")) {
    start_next();
  }
  bool next(RequestSpec* out) override {
    if (!ready_.pop(out)) return false;
    ++in_flight_;
    if (out->session == queued_start_) start_next();
    return true;
  }
  bool peek(double* arrival) const override { return ready_.peek(arrival); }
  bool exhausted() const override { return queued_start_ < 0 && ready_.empty() && in_flight_ == 0; }
  void on_complete(const RequestSpec& r, double now) override {
    auto it = sessions_.find(r.session);
    if (it == sessions_.end()) return;  // not one of ours
    --in_flight_;
    Session& s = it->second;
    if (s.turns_left == 0) {
      sessions_.erase(it);
      return;
    }
    const int64_t prompt = s.context + draw_length(w_.new_tokens, s.rng);
    const double think = draw_time(w_.think, s.rng);
    if (prompt > w_.max_context_tokens) {
      sessions_.erase(it);
      return;
    }
    issue(r.session, s, now + think, prompt);
  }

 private:
  struct Session {
    Rng rng;
    int64_t team = 0;
    int64_t turns_left = 0;
    int64_t context = 0;  // tokens of the last turn's prompt and output
  };

  // Queues the first turn of the next session, unless the count or the duration is reached.
  void start_next() {
    queued_start_ = -1;
    if (w_.sessions > 0 && started_ >= w_.sessions) return;
    const double t = arrivals_.next();
    if (w_.duration > 0 && t > w_.duration) return;
    const int64_t id = started_++;
    Session& s = sessions_.emplace(id, Session{Rng(stream_seed(seed_, w_.name + "/session/" + std::to_string(id)))})
                     .first->second;
    s.team = std::min(w_.teams - 1, static_cast<int64_t>(s.rng.uniform() * double(w_.teams)));
    s.turns_left = draw_length(w_.turns, s.rng);
    queued_start_ = id;
    issue(id, s, t, w_.repo_prefix_tokens + draw_length(w_.first_turn, s.rng));
  }

  void issue(int64_t id, Session& s, double at, int64_t prompt) {
    RequestSpec r;
    r.arrival = at;
    r.input_tokens = prompt;
    r.output_tokens = draw_length(w_.output, s.rng);
    r.session = id;
    r.blocks = blocks(s.team, id, prompt);
    s.context = prompt + r.output_tokens;
    --s.turns_left;
    ready_.push(std::move(r));
  }

  // The prompt's full blocks: those inside the repository prefix are the team's, the
  // rest the session's, so every turn's blocks extend the previous turn's.
  std::vector<uint64_t> blocks(int64_t team, int64_t session, int64_t prompt) const {
    const int64_t n = prompt / w_.block_tokens, shared = w_.repo_prefix_tokens / w_.block_tokens;
    std::vector<uint64_t> ids(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      ids[size_t(i)] = i < shared ? owned_block_id(BlockDomain::Team, stream_, team, i)
                                  : owned_block_id(BlockDomain::Session, stream_, session, i);
    return ids;
  }

  Workload w_;
  uint64_t seed_;
  int stream_;
  ArrivalProcess arrivals_;
  ReadyQueue ready_;
  std::unordered_map<int64_t, Session> sessions_;  // started and not yet ended
  int64_t started_ = 0;
  int64_t queued_start_ = -1;  // the session whose first turn is queued (-1: none)
  int64_t in_flight_ = 0;      // turns returned by next() and not yet completed
};

}  // namespace

std::unique_ptr<Generator> make_coding_sessions_generator(const Workload& w, uint64_t seed, int stream) {
  return std::make_unique<CodingSessionsGenerator>(w, seed, stream);
}

}  // namespace stacksim
