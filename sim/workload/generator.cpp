#include "workload/generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <queue>
#include <set>
#include <sstream>
#include <unordered_map>

#include "config/error.h"

namespace stacksim {

namespace {

// splitmix64's finaliser: a bijection of 64-bit values that scatters nearby inputs.
uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t splitmix64(uint64_t& x) { return mix64(x += 0x9E3779B97F4A7C15ULL); }

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

uint64_t Rng::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return (next_u64() >> 11) * 0x1.0p-53; }

double Rng::normal() {
  double u1 = uniform();
  while (u1 <= 0) u1 = uniform();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

double Rng::gamma(double shape) {
  if (shape < 1) {  // boost: Gamma(a) = Gamma(a + 1) * U^(1/a)
    double u = uniform();
    while (u <= 0) u = uniform();
    return gamma(shape + 1) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3, c = 1.0 / std::sqrt(9 * d);
  while (true) {
    double x, v;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = uniform();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0 && std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
  }
}

uint64_t stream_seed(uint64_t scenario_seed, const std::string& component) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a of the component name
  for (unsigned char ch : component) h = (h ^ ch) * 1099511628211ULL;
  uint64_t x = scenario_seed ^ h;
  return splitmix64(x);
}

namespace {

// A lognormal draw with the given mean and coefficient of variation.
double lognormal(double mean, double cv, Rng& rng) {
  const double s2 = std::log(1 + cv * cv);
  const double mu = std::log(mean) - s2 / 2;
  return std::exp(mu + std::sqrt(s2) * rng.normal());
}

}  // namespace

int64_t draw_length(const LengthDist& d, Rng& rng) {
  switch (d.kind) {
    case LengthDist::Kind::Fixed: return d.value;
    case LengthDist::Kind::Uniform: return d.min + static_cast<int64_t>(rng.uniform() * double(d.max - d.min + 1));
    case LengthDist::Kind::Lognormal: {
      const double r = std::round(lognormal(d.mean, d.cv, rng));
      return r < d.min ? d.min : r > d.max ? d.max : static_cast<int64_t>(r);
    }
  }
  return d.min;
}

double draw_time(const TimeDist& d, Rng& rng) {
  switch (d.kind) {
    case LengthDist::Kind::Fixed: return d.value;
    case LengthDist::Kind::Uniform: return d.min + rng.uniform() * (d.max - d.min);
    case LengthDist::Kind::Lognormal: return std::clamp(lognormal(d.mean, d.cv, rng), d.min, d.max);
  }
  return d.min;
}

namespace {

// Real time t at which a diurnal curve has accumulated `u` seconds of mean-rate time
// ("operational time"): the inverse of
//   Λ(t) = t + amplitude × period / 2π × (sin(2π (t − peak) / period) + sin(2π peak / period)),
// the integral from 0 of the relative rate 1 + amplitude × cos(2π (t − peak) / period).
// Λ is increasing (its slope is at least 1 − amplitude > 0) and |Λ(t) − t| ≤ 2c below,
// so Newton steps kept inside a shrinking bracket converge.
double diurnal_time(const Diurnal& d, double u) {
  if (d.amplitude == 0) return u;
  const double w = 2 * M_PI / d.period, c = d.amplitude / w;
  double lo = std::max(0.0, u - 2 * c), hi = u + 2 * c, t = u;
  const double tolerance = 1e-12 * std::max(1.0, u);
  for (int i = 0; i < 200 && hi - lo > tolerance; ++i) {
    const double f = t + c * (std::sin(w * (t - d.peak)) + std::sin(w * d.peak)) - u;
    if (f == 0) break;
    (f > 0 ? hi : lo) = t;
    const double newton = t - f / (1 + d.amplitude * std::cos(w * (t - d.peak)));
    t = newton > lo && newton < hi ? newton : (lo + hi) / 2;
  }
  return t;
}

// A renewal process of arrival times (Poisson, or gamma gaps with a cv) with mean rate
// `rate`, the first at t = 0, bent by the arrival's diurnal curve.
class ArrivalProcess {
 public:
  ArrivalProcess(const Arrival& a, uint64_t seed) : a_(a), rng_(seed) {}
  // The next arrival time (s); never less than the previous one.
  double next() {
    const double mean = 1.0 / a_.rate;
    double gap;
    if (a_.kind == Arrival::Kind::Poisson) {
      gap = -mean * std::log(1 - rng_.uniform());
    } else {
      const double shape = 1.0 / (a_.cv * a_.cv);
      gap = rng_.gamma(shape) * mean / shape;
    }
    // A gap is drawn for the first arrival too, so that the stream of draws is the same
    // whatever the first arrival.
    u_ = first_ ? 0 : u_ + gap;
    first_ = false;
    t_ = std::max(t_, diurnal_time(a_.diurnal, u_));
    return t_;
  }

 private:
  Arrival a_;
  Rng rng_;
  double u_ = 0, t_ = 0;
  bool first_ = true;
};

// Requests waiting to be issued, released in arrival order (ties: in the order they were
// added). One added with an arrival earlier than one already released is released at that
// later arrival, so that arrivals never decrease (see Generator::next).
class ReadyQueue {
 public:
  void push(RequestSpec r) {
    heap_.push_back({r.arrival, seq_++, std::move(r)});
    std::push_heap(heap_.begin(), heap_.end(), Later());
  }
  bool peek(double* arrival) const {
    if (heap_.empty()) return false;
    *arrival = std::max(heap_.front().arrival, released_);
    return true;
  }
  bool pop(RequestSpec* out) {
    if (heap_.empty()) return false;
    std::pop_heap(heap_.begin(), heap_.end(), Later());
    *out = std::move(heap_.back().spec);
    heap_.pop_back();
    out->arrival = released_ = std::max(out->arrival, released_);
    return true;
  }
  bool empty() const { return heap_.empty(); }

 private:
  struct Item {
    double arrival;
    uint64_t seq;
    RequestSpec spec;
  };
  struct Later {
    bool operator()(const Item& a, const Item& b) const {
      return a.arrival != b.arrival ? a.arrival > b.arrival : a.seq > b.seq;
    }
  };
  std::vector<Item> heap_;
  uint64_t seq_ = 0;
  double released_ = 0;
};

// KV block ids that are unique by construction: the domain (2 bits), the mix stream
// (6 bits) and a 56-bit payload are packed without overlap, then scattered by a
// bijection. Team and session payloads are owner (32 bits) and block index (24 bits);
// config/workload.cpp enforces those limits.
enum class BlockDomain : uint64_t { Team = 1, Session = 2, Trace = 3 };

uint64_t block_id(BlockDomain d, int stream, uint64_t payload) {
  return mix64(uint64_t(d) << 62 | uint64_t(stream) << 56 | payload);
}

uint64_t owned_block_id(BlockDomain d, int stream, int64_t owner, int64_t index) {
  return block_id(d, stream, uint64_t(owner) << 24 | uint64_t(index));
}

// Open-loop arrivals of groups of requests: a stream (one request per arrival, no
// group) or a document_batch (a job of several documents sharing its arrival and id).
class BatchGenerator : public Generator {
 public:
  struct Shape {
    int64_t count;          // arrivals (0 = until duration)
    LengthDist per_arrival; // requests per arrival
    bool grouped;           // RequestSpec::session = arrival number
  };
  BatchGenerator(const Workload& w, uint64_t seed, Shape shape)
      : w_(w), shape_(shape), arrivals_(w.arrival, stream_seed(seed, w.name + "/arrivals")),
        lengths_(stream_seed(seed, w.name + "/lengths")) {
    arrive();
  }
  bool next(RequestSpec* out) override {
    if (pending_.empty()) return false;
    *out = pending_.front();
    pending_.pop_front();
    if (pending_.empty()) arrive();
    return true;
  }
  bool peek(double* arrival) const override {
    if (pending_.empty()) return false;
    *arrival = pending_.front().arrival;
    return true;
  }
  bool exhausted() const override { return pending_.empty(); }
  bool reacts_to_completions() const override { return false; }

 private:
  // Draws the next arrival and its requests, unless the count or the duration is reached.
  void arrive() {
    if (shape_.count > 0 && arrived_ >= shape_.count) return;
    const double t = arrivals_.next();
    if (w_.duration > 0 && t > w_.duration) return;
    const int64_t n = draw_length(shape_.per_arrival, lengths_);
    for (int64_t i = 0; i < n; ++i) {
      RequestSpec r;
      r.arrival = t;
      r.input_tokens = draw_length(w_.input, lengths_);
      r.output_tokens = draw_length(w_.output, lengths_);
      if (shape_.grouped) r.session = arrived_;
      pending_.push_back(std::move(r));
    }
    ++arrived_;
  }
  Workload w_;
  Shape shape_;
  ArrivalProcess arrivals_;
  Rng lengths_;
  std::deque<RequestSpec> pending_;
  int64_t arrived_ = 0;
};

// N users; each sends its next request think_time after its previous one completes.
class ClosedLoopGenerator : public Generator {
 public:
  ClosedLoopGenerator(const Workload& w, uint64_t seed) : w_(w), lengths_(stream_seed(seed, w.name + "/lengths")) {
    for (int64_t i = 0; i < w.users && issued_ < w.requests; ++i) issue(0);
  }
  bool next(RequestSpec* out) override { return ready_.pop(out); }
  bool peek(double* arrival) const override { return ready_.peek(arrival); }
  bool exhausted() const override { return ready_.empty() && issued_ >= w_.requests; }
  void on_complete(const RequestSpec&, double now) override {
    if (issued_ < w_.requests) issue(now + w_.think_time);
  }

 private:
  void issue(double at) {
    RequestSpec r;
    r.arrival = at;
    r.input_tokens = draw_length(w_.input, lengths_);
    r.output_tokens = draw_length(w_.output, lengths_);
    ready_.push(std::move(r));
    ++issued_;
  }
  Workload w_;
  Rng lengths_;
  ReadyQueue ready_;
  int64_t issued_ = 0;
};

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

class TraceGenerator : public Generator {
 public:
  explicit TraceGenerator(std::vector<RequestSpec> rows) : rows_(std::move(rows)) {}
  bool next(RequestSpec* out) override {
    if (i_ >= rows_.size()) return false;
    *out = rows_[i_++];
    return true;
  }
  bool peek(double* arrival) const override {
    if (i_ >= rows_.size()) return false;
    *arrival = rows_[i_].arrival;
    return true;
  }
  bool exhausted() const override { return i_ >= rows_.size(); }
  bool reacts_to_completions() const override { return false; }

 private:
  std::vector<RequestSpec> rows_;
  size_t i_ = 0;
};

std::unique_ptr<Generator> make_part(const Workload& w, uint64_t seed, int stream);

// A mix stream's workload with its weight applied to its arrival rate.
Workload weighted(Workload c) {
  switch (c.type) {
    case Workload::Type::AzureTrace:
    case Workload::Type::MooncakeTrace: c.time_scale *= c.weight; break;
    case Workload::Type::ClosedLoop:
    case Workload::Type::Mix: break;  // config/workload.cpp rejects a weight there
    default: c.arrival.rate *= c.weight;
  }
  c.weight = 1;
  return c;
}

// The streams of a mix merged by arrival (ties: the lower stream index first), each
// request tagged with its stream's index; completions go back to the stream they came from.
class MixGenerator : public Generator {
 public:
  MixGenerator(const Workload& w, uint64_t seed) {
    for (size_t i = 0; i < w.streams.size(); ++i) {
      const Workload& c = w.streams[i];
      parts_.push_back(make_part(weighted(c), stream_seed(seed, "mix/" + std::to_string(i) + "/" + c.name), int(i)));
    }
  }
  bool next(RequestSpec* out) override {
    double arrival;
    const int i = earliest(&arrival);
    if (i < 0) return false;
    parts_[size_t(i)]->next(out);
    out->stream = i;
    out->arrival = released_ = arrival;
    return true;
  }
  bool peek(double* arrival) const override { return earliest(arrival) >= 0; }
  bool exhausted() const override {
    return std::all_of(parts_.begin(), parts_.end(), [](const auto& p) { return p->exhausted(); });
  }
  void on_complete(const RequestSpec& r, double now) override {
    if (r.stream >= 0 && size_t(r.stream) < parts_.size()) parts_[size_t(r.stream)]->on_complete(r, now);
  }
  bool reacts_to_completions() const override {
    return std::any_of(parts_.begin(), parts_.end(), [](const auto& p) { return p->reacts_to_completions(); });
  }

 private:
  // The stream whose ready request comes first and its arrival (never before the last
  // one released); -1 if none is ready.
  int earliest(double* arrival) const {
    int best = -1;
    for (size_t i = 0; i < parts_.size(); ++i) {
      double a;
      if (parts_[i]->peek(&a) && (best < 0 || a < *arrival)) {
        best = int(i);
        *arrival = a;
      }
    }
    if (best >= 0) *arrival = std::max(*arrival, released_);
    return best;
  }
  std::vector<std::unique_ptr<Generator>> parts_;
  double released_ = 0;
};

// A trace's block ids moved into the id space of mix stream `stream`.
std::vector<RequestSpec> in_stream(std::vector<RequestSpec> rows, int stream) {
  for (RequestSpec& r : rows)
    for (uint64_t& id : r.blocks) id = block_id(BlockDomain::Trace, stream, id);
  return rows;
}

// `stream`: the index in a mix, -1 for a workload on its own.
std::unique_ptr<Generator> make_part(const Workload& w, uint64_t seed, int stream) {
  switch (w.type) {
    case Workload::Type::Stream:
      return std::make_unique<BatchGenerator>(w, seed, BatchGenerator::Shape{w.requests, LengthDist{}, false});
    case Workload::Type::DocumentBatch:
      return std::make_unique<BatchGenerator>(w, seed, BatchGenerator::Shape{w.jobs, w.documents, true});
    case Workload::Type::ClosedLoop: return std::make_unique<ClosedLoopGenerator>(w, seed);
    case Workload::Type::CodingSessions: return std::make_unique<CodingSessionsGenerator>(w, seed, std::max(stream, 0));
    case Workload::Type::AzureTrace:
      return std::make_unique<TraceGenerator>(read_azure_trace(w.trace_path, w.time_scale, w.limit));
    case Workload::Type::MooncakeTrace: {
      auto rows = read_mooncake_trace(w.trace_path, w.time_scale, w.limit);
      return std::make_unique<TraceGenerator>(stream < 0 ? std::move(rows) : in_stream(std::move(rows), stream));
    }
    case Workload::Type::Mix: return std::make_unique<MixGenerator>(w, seed);
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<Generator> make_generator(const Workload& w, uint64_t seed) { return make_part(w, seed, -1); }

namespace {

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "2023-11-16 18:17:03.9799600" -> seconds since the epoch; false if malformed.
bool parse_timestamp(const std::string& s, double* out) {
  int y, mo, d, h, mi, consumed = 0;
  double sec;
  if (std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &consumed) != 6) return false;
  if (static_cast<size_t>(consumed) != s.size()) return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec >= 61)
    return false;
  *out = double(days_from_civil(y, mo, d)) * 86400.0 + h * 3600.0 + mi * 60.0 + sec;
  return true;
}

// Where a line of a trace is, for errors naming the file, the line and a field.
struct TraceLine {
  const std::string& path;
  int number;
  const std::string& text;

  // Fails at `field`, with the column where its key starts on the line.
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    const size_t at = text.find("\"" + field + "\"");
    throw ConfigError(path, number, at == std::string::npos ? 1 : int(at) + 1, field, what);
  }
};

// One row of a Mooncake trace: its timestamp (ms) and its request (arrival unset).
struct MooncakeRow {
  double timestamp_ms;
  RequestSpec request;
};

constexpr int64_t kMooncakeBlockTokens = 512;

const nlohmann::json& mooncake_field(const nlohmann::json& row, const TraceLine& at, const std::string& field) {
  auto it = row.find(field);
  if (it == row.end()) at.fail(field, "missing field");
  return *it;
}

int64_t mooncake_count(const nlohmann::json& row, const TraceLine& at, const std::string& field) {
  const nlohmann::json& v = mooncake_field(row, at, field);
  if (!v.is_number_unsigned() || v.get<uint64_t>() < 1 || v.get<uint64_t>() > (uint64_t(1) << 40))
    at.fail(field, "expected a whole number of tokens, at least 1, found " + v.dump());
  return v.get<int64_t>();
}

MooncakeRow parse_mooncake_line(const TraceLine& at) {
  nlohmann::json row;
  try {
    row = nlohmann::json::parse(at.text);
  } catch (const nlohmann::json::parse_error& e) {
    const std::string what = e.what();
    const size_t col = what.find("column ");
    const size_t msg = what.find(": ", col == std::string::npos ? 0 : col);
    throw ConfigError(at.path, at.number, int(e.byte), "",
                      "not valid JSON: " + (msg == std::string::npos ? what : what.substr(msg + 2)));
  } catch (const nlohmann::json::exception& e) {
    // A number beyond double's range ("1e999"): out_of_range.406 names the literal.
    const std::string what = e.what();
    const size_t q = what.find('\'');
    const std::string literal = q == std::string::npos ? "" : what.substr(q + 1, what.find('\'', q + 1) - q - 1);
    const size_t col = literal.empty() ? std::string::npos : at.text.find(literal);
    throw ConfigError(at.path, at.number, col == std::string::npos ? 1 : int(col) + 1, "",
                      "not valid JSON: number out of range: " + (literal.empty() ? what : literal));
  }
  if (!row.is_object()) throw ConfigError(at.path, at.number, 1, "", "expected a JSON object");
  static const std::set<std::string> known = {"timestamp", "input_length", "output_length", "hash_ids"};
  for (const auto& kv : row.items())
    if (!known.count(kv.key())) at.fail(kv.key(), "unknown field (expected timestamp, input_length, output_length, hash_ids)");
  MooncakeRow out;
  const nlohmann::json& ts = mooncake_field(row, at, "timestamp");
  if (!ts.is_number() || ts.get<double>() < 0) at.fail("timestamp", "expected milliseconds from the start (a number >= 0), found " + ts.dump());
  out.timestamp_ms = ts.get<double>();
  RequestSpec& r = out.request;
  r.input_tokens = mooncake_count(row, at, "input_length");
  r.output_tokens = mooncake_count(row, at, "output_length");
  const nlohmann::json& ids = mooncake_field(row, at, "hash_ids");
  const size_t started = size_t((r.input_tokens + kMooncakeBlockTokens - 1) / kMooncakeBlockTokens);
  if (!ids.is_array() || ids.size() != started)
    at.fail("hash_ids", "expected a list of " + std::to_string(started) +
                            " block ids (one per started 512-token block of input_length), found " +
                            (ids.is_array() ? std::to_string(ids.size()) + " ids" : ids.dump()));
  const size_t full = size_t(r.input_tokens / kMooncakeBlockTokens);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i].is_number_unsigned() || ids[i].get<uint64_t>() >= (uint64_t(1) << 56))
      at.fail("hash_ids", "expected whole numbers below 2^56, found " + ids[i].dump());
    if (i < full) r.blocks.push_back(ids[i].get<uint64_t>());
  }
  return out;
}

bool parse_count(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 12) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::vector<RequestSpec> read_azure_trace(const std::string& path, double time_scale, int64_t limit) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path, 0, 0, "", "cannot open trace file");
  std::string line;
  if (!std::getline(in, line)) throw ConfigError(path, 1, 1, "", "empty trace file");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line != "TIMESTAMP,ContextTokens,GeneratedTokens")
    throw ConfigError(path, 1, 1, "", "expected the header TIMESTAMP,ContextTokens,GeneratedTokens, found \"" + line + "\"");
  std::vector<RequestSpec> rows;
  double first = 0, prev = 0;
  int lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string ts, ctx, gen, extra;
    std::getline(ss, ts, ',');
    std::getline(ss, ctx, ',');
    std::getline(ss, gen, ',');
    if (std::getline(ss, extra, ','))
      throw ConfigError(path, lineno, 1, "", "expected 3 columns, found more");
    double t;
    if (!parse_timestamp(ts, &t))
      throw ConfigError(path, lineno, 1, "TIMESTAMP", "expected a time such as 2023-11-16 18:17:03.97, found \"" + ts + "\"");
    RequestSpec r;
    if (!parse_count(ctx, &r.input_tokens) || r.input_tokens < 1)
      throw ConfigError(path, lineno, int(ts.size()) + 2, "ContextTokens", "expected a positive whole number, found \"" + ctx + "\"");
    if (!parse_count(gen, &r.output_tokens) || r.output_tokens < 1)
      throw ConfigError(path, lineno, int(ts.size() + ctx.size()) + 3, "GeneratedTokens",
                        "expected a positive whole number, found \"" + gen + "\"");
    if (rows.empty()) first = prev = t;
    if (t < prev) throw ConfigError(path, lineno, 1, "TIMESTAMP", "timestamps must not decrease");
    prev = t;
    r.arrival = (t - first) / time_scale;
    rows.push_back(r);
    if (limit > 0 && static_cast<int64_t>(rows.size()) >= limit) break;
  }
  if (rows.empty()) throw ConfigError(path, lineno, 1, "", "the trace has no rows");
  return rows;
}

std::vector<RequestSpec> read_mooncake_trace(const std::string& path, double time_scale, int64_t limit) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path, 0, 0, "", "cannot open trace file");
  std::vector<RequestSpec> rows;
  double first = 0, prev = 0;
  int lineno = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const TraceLine at{path, lineno, line};
    MooncakeRow row = parse_mooncake_line(at);
    if (rows.empty()) first = prev = row.timestamp_ms;
    if (row.timestamp_ms < prev) at.fail("timestamp", "timestamps must not decrease");
    prev = row.timestamp_ms;
    row.request.arrival = (row.timestamp_ms - first) / 1000.0 / time_scale;
    rows.push_back(std::move(row.request));
    if (limit > 0 && static_cast<int64_t>(rows.size()) >= limit) break;
  }
  if (rows.empty()) throw ConfigError(path, lineno, 1, "", "the trace has no rows");
  return rows;
}

}  // namespace stacksim
