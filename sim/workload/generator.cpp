#include "workload/generator.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "config/error.h"

namespace stacksim {

namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

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

int64_t draw_length(const LengthDist& d, Rng& rng) {
  switch (d.kind) {
    case LengthDist::Kind::Fixed: return d.value;
    case LengthDist::Kind::Uniform: return d.min + static_cast<int64_t>(rng.uniform() * double(d.max - d.min + 1));
    case LengthDist::Kind::Lognormal: {
      const double s2 = std::log(1 + d.cv * d.cv);
      const double mu = std::log(d.mean) - s2 / 2;
      const double v = std::exp(mu + std::sqrt(s2) * rng.normal());
      const double r = std::round(v);
      return r < d.min ? d.min : r > d.max ? d.max : static_cast<int64_t>(r);
    }
  }
  return d.min;
}

namespace {

class StreamGenerator : public Generator {
 public:
  StreamGenerator(const Workload& w, uint64_t seed)
      : w_(w), arrivals_(stream_seed(seed, w.name + "/arrivals")), lengths_(stream_seed(seed, w.name + "/lengths")) {
    advance();
  }
  bool next(RequestSpec* out) override {
    if (done_) return false;
    *out = pending_;
    advance();
    return true;
  }
  bool exhausted() const override { return done_; }

 private:
  void advance() {
    if (w_.requests > 0 && count_ >= w_.requests) {
      done_ = true;
      return;
    }
    // Gamma inter-arrival times with mean 1/rate and the given cv (cv = 1: Poisson).
    const double mean = 1.0 / w_.arrival.rate;
    double gap;
    if (w_.arrival.kind == Arrival::Kind::Poisson) {
      double u = arrivals_.uniform();
      gap = -mean * std::log(1 - u);
    } else {
      const double shape = 1.0 / (w_.arrival.cv * w_.arrival.cv);
      gap = arrivals_.gamma(shape) * mean / shape;
    }
    // The first request arrives at t = 0; later ones after their gaps.
    t_ = count_ == 0 ? 0 : t_ + gap;
    if (w_.duration > 0 && t_ > w_.duration) {
      done_ = true;
      return;
    }
    pending_.arrival = t_;
    pending_.input_tokens = draw_length(w_.input, lengths_);
    pending_.output_tokens = draw_length(w_.output, lengths_);
    ++count_;
  }
  Workload w_;
  Rng arrivals_, lengths_;
  RequestSpec pending_;
  double t_ = 0;
  int64_t count_ = 0;
  bool done_ = false;
};

// N users; each sends its next request think_time after its previous one completes.
class ClosedLoopGenerator : public Generator {
 public:
  ClosedLoopGenerator(const Workload& w, uint64_t seed) : w_(w), lengths_(stream_seed(seed, w.name + "/lengths")) {
    for (int64_t i = 0; i < w.users && issued_ < w.requests; ++i) issue(0);
  }
  bool next(RequestSpec* out) override {
    if (ready_.empty()) return false;
    *out = ready_.front();
    ready_.pop_front();
    return true;
  }
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
    ready_.push_back(r);
    ++issued_;
  }
  Workload w_;
  Rng lengths_;
  std::deque<RequestSpec> ready_;
  int64_t issued_ = 0;
};

class TraceGenerator : public Generator {
 public:
  explicit TraceGenerator(std::vector<RequestSpec> rows) : rows_(std::move(rows)) {}
  bool next(RequestSpec* out) override {
    if (i_ >= rows_.size()) return false;
    *out = rows_[i_++];
    return true;
  }
  bool exhausted() const override { return i_ >= rows_.size(); }

 private:
  std::vector<RequestSpec> rows_;
  size_t i_ = 0;
};

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

std::unique_ptr<Generator> make_generator(const Workload& w, uint64_t seed) {
  switch (w.type) {
    case Workload::Type::Stream: return std::make_unique<StreamGenerator>(w, seed);
    case Workload::Type::ClosedLoop: return std::make_unique<ClosedLoopGenerator>(w, seed);
    case Workload::Type::AzureTrace:
      return std::make_unique<TraceGenerator>(read_azure_trace(w.trace_path, w.time_scale, w.limit));
  }
  return nullptr;
}

}  // namespace stacksim
