#include <algorithm>
#include <string>
#include <unordered_map>

#include "workload/arrivals.h"
#include "workload/generator.h"
#include "workload/generators/common.h"
#include "workload/kinds.h"

namespace stacksim {

namespace {

// Limits that keep the block ids unique by construction (see common.h): session and team
// numbers fit 32 bits, block indexes 24 bits.
constexpr int64_t kMaxOwners = int64_t(1) << 32;
constexpr int64_t kMaxBlocksPerPrompt = int64_t(1) << 24;

// coding_sessions. Session ids are RequestSpec::session.
struct CodingSessionsParams : WorkloadParams {
  Arrival arrival;                 // session starts
  int64_t sessions = 0;            // sessions to start (0 = until duration)
  double duration = 0;             // s: no session starts after it (0 = none); started ones run on
  int64_t teams = 1;               // each session belongs to one, uniformly
  int64_t repo_prefix_tokens = 0;  // shared by every session of a team
  LengthDist first_turn;           // turn 1 prompt = repo prefix + this
  LengthDist turns;                // turns per session (at most)
  LengthDist new_tokens;           // turn k+1 prompt = turn k prompt + its output + this
  LengthDist output;               // generated tokens per turn
  TimeDist think;                  // from a turn's completion to the next turn
  int64_t max_context_tokens = 0;  // a session ends when its next prompt would exceed this
  int64_t block_tokens = 512;      // tokens per KV block (Workload::block_tokens)
};

// Multi-turn coding sessions (see Workload). Sessions start by the arrival process; the
// next start is always queued, so starts are drawn lazily. A session's next turn becomes
// ready think time after its previous turn completes. A rejected turn is reported like a
// completed one (on_complete cannot tell them apart), so its session goes on. Each
// session draws from its own random stream, so its team, turns and lengths do not depend
// on when its turns complete.
class CodingSessionsGenerator : public Generator {
 public:
  CodingSessionsGenerator(const Workload& w, const Part& part)
      : p_(params_of<CodingSessionsParams>(w)),
        name_(w.name),
        seed_(part.seed),
        stream_(std::max(part.stream, 0)),
        arrivals_(scaled(p_.arrival, part.rate_scale), stream_seed(seed_, name_ + "/sessions")) {
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
  // Sessions ended (a started session still runs its turns), or the time to the duration.
  double progress(double now) const override {
    const double ended = double(started_) - double(sessions_.size());
    return std::max(fraction(ended, double(p_.sessions)), fraction(now, p_.duration));
  }
  void on_complete(const RequestSpec& r, double now) override {
    auto it = sessions_.find(r.session);
    if (it == sessions_.end()) return;  // not one of ours
    --in_flight_;
    Session& s = it->second;
    if (s.turns_left == 0) {
      sessions_.erase(it);
      return;
    }
    const int64_t prompt = s.context + draw_length(p_.new_tokens, s.rng);
    const double think = draw_time(p_.think, s.rng);
    if (prompt > p_.max_context_tokens) {
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
    if (p_.sessions > 0 && started_ >= p_.sessions) return;
    const double t = arrivals_.next();
    if (p_.duration > 0 && t > p_.duration) return;
    const int64_t id = started_++;
    Session& s =
        sessions_.emplace(id, Session{Rng(stream_seed(seed_, name_ + "/session/" + std::to_string(id)))}).first->second;
    s.team = std::min(p_.teams - 1, static_cast<int64_t>(s.rng.uniform() * double(p_.teams)));
    s.turns_left = draw_length(p_.turns, s.rng);
    queued_start_ = id;
    issue(id, s, t, p_.repo_prefix_tokens + draw_length(p_.first_turn, s.rng));
  }

  void issue(int64_t id, Session& s, double at, int64_t prompt) {
    RequestSpec r;
    r.arrival = at;
    r.input_tokens = prompt;
    r.output_tokens = draw_length(p_.output, s.rng);
    r.session = id;
    r.blocks = blocks(s.team, id, prompt);
    s.context = prompt + r.output_tokens;
    --s.turns_left;
    ready_.push(std::move(r));
  }

  // The prompt's full blocks: those inside the repository prefix are the team's, the
  // rest the session's, so every turn's blocks extend the previous turn's.
  std::vector<uint64_t> blocks(int64_t team, int64_t session, int64_t prompt) const {
    const int64_t n = prompt / p_.block_tokens, shared = p_.repo_prefix_tokens / p_.block_tokens;
    std::vector<uint64_t> ids(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      ids[size_t(i)] = i < shared ? owned_block_id(BlockDomain::Team, stream_, team, i)
                                  : owned_block_id(BlockDomain::Session, stream_, session, i);
    return ids;
  }

  CodingSessionsParams p_;
  std::string name_;
  uint64_t seed_;
  int stream_;
  ArrivalProcess arrivals_;
  ReadyQueue ready_;
  std::unordered_map<int64_t, Session> sessions_;  // started and not yet ended
  int64_t started_ = 0;
  int64_t queued_start_ = -1;  // the session whose first turn is queued (-1: none)
  int64_t in_flight_ = 0;      // turns returned by next() and not yet completed
};

void read_coding_sessions(MapReader& r, Workload* w) {
  auto p = std::make_shared<CodingSessionsParams>();
  p->arrival = read_arrival(r.child("arrival"));
  read_count_or_duration(r, "sessions", kMaxOwners, &p->sessions, &p->duration);
  p->teams = r.integer("teams", 1, kMaxOwners);
  p->repo_prefix_tokens = r.integer("repo_prefix_tokens", 0, 1LL << 40);
  p->first_turn = read_lengths(r.child("first_turn_tokens"));
  p->turns = read_lengths(r.child("turns"));
  p->new_tokens = read_lengths(r.child("new_tokens"));
  p->output = read_lengths(r.child("output_tokens"));
  p->think = read_times(r, "think_time");
  p->block_tokens = r.integer_or("block_tokens", 512, 1, 1 << 20);
  p->max_context_tokens = r.integer("max_context_tokens", 1, 1LL << 40);
  if (p->max_context_tokens / p->block_tokens >= kMaxBlocksPerPrompt)
    r.fail("max_context_tokens", "at most 2^24 blocks of block_tokens per prompt");
  const int64_t first_max = p->repo_prefix_tokens + p->first_turn.max;
  if (first_max > p->max_context_tokens)
    r.fail("max_context_tokens",
           "must hold the repository prefix plus the longest first turn (" + std::to_string(first_max) + " tokens)");
  w->carries_blocks = true;
  w->block_tokens = p->block_tokens;
  w->params = std::move(p);
}

std::unique_ptr<Generator> make_coding_sessions(const Workload& w, const Part& part) {
  return std::make_unique<CodingSessionsGenerator>(w, part);
}

}  // namespace

WorkloadKind coding_sessions_kind() { return {"coding_sessions", read_coding_sessions, make_coding_sessions, ""}; }

}  // namespace stacksim
