#include "perf/capacity.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace stacksim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Standard normal quantiles of the SLO's percentiles.
constexpr double kZ90 = 1.2816, kZ99 = 2.3263;
// A reserved-KV pool is taken as full at this share of its capacity: the DES admits a
// request only when its whole prompt + output fits, so a pool runs short of the whole.
constexpr double kKvHeadroom = 0.9;

double quantile_of_sorted(const std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const double pos = q * double(v.size() - 1);
  const size_t lo = size_t(pos), hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

// Steps a prompt of each computed length takes at `per_step` tokens a step (rounded to
// whole tokens, and remembered).
const Chunks& chunks(const LoadStats& l, double per_step) {
  const int64_t key = std::max<int64_t>(1, std::llround(per_step));
  const auto found = l.chunks.find(key);
  if (found != l.chunks.end()) return found->second;
  Chunks c;
  double sum = 0, sum2 = 0, tokens = 0;
  for (double t : l.computed) {
    const double n = std::ceil(std::max(t, 1.0) / double(key));
    sum += n;
    sum2 += n * n;
    tokens += std::max(t, 1.0);
  }
  const double k = double(std::max<size_t>(l.computed.size(), 1));
  c.mean = std::max(sum / k, 1.0);
  c.scv = std::max(0.0, sum2 / k / (c.mean * c.mean) - 1);
  c.tokens = std::min(double(key), tokens / k / c.mean);
  auto at = [&](double q, double* steps, double* per_step) {
    const double t = std::max(quantile_of_sorted(l.computed, q), 1.0);
    *steps = std::ceil(t / double(key));
    *per_step = t / *steps;
  };
  at(0.5, &c.p50, &c.tokens_p50);
  at(0.9, &c.p90, &c.tokens_p90);
  at(0.99, &c.p99, &c.tokens_p99);
  return l.chunks.emplace(key, c).first->second;
}

// The steps of a pool, from the performance model.
struct Steps {
  const PerfModel& pm;
  const Serving& s;
  const LoadStats& l;
  double decode(double seqs) const {
    BatchShape b;
    b.decode_seqs = int64_t(std::ceil(seqs));
    b.decode_kv_tokens = double(b.decode_seqs) * l.decode_context;
    return pm.step_time(b).total;
  }
  // `seqs` decoding beside prompt chunks of `chunk` tokens per rank on `ranks` ranks.
  double mixed(double seqs, double chunk, double ranks) const {
    BatchShape b;
    b.decode_seqs = int64_t(std::ceil(seqs));
    b.decode_kv_tokens = double(b.decode_seqs) * l.decode_context;
    const double cp = s.context_parallel;
    b.prefill_tokens = int64_t(std::ceil(chunk * std::max(ranks, cp)));
    b.prefill_attn_pairs = double(b.prefill_tokens) * l.pairs_per_token;
    b.prefill_seqs_done = int64_t(std::ceil(double(b.prefill_tokens) / std::max(l.prompt_mean, 1.0)));
    b.max_chunk = int64_t(std::ceil(chunk * cp));
    return pm.step_time(b).total;
  }
};

// The largest decode batch an instance may hold: its sequence limit, and the KV it can
// reserve for whole prompts + outputs.
double batch_cap(const PerfModel& pm, const Serving& s, const LoadStats& l, std::string* limit) {
  const double seqs = double(s.max_seqs_per_chip) * s.dp_ranks();
  const MemoryPlan& m = pm.memory();
  const double kv = kKvHeadroom * double(m.kv_tokens_per_instance) / std::max(m.held(l.held_mean), 1.0);
  *limit = kv < seqs ? "kv" : "batch";
  return std::min(seqs, kv);
}

void estimate_prefill(const Steps& st, double lambda_i, PoolEstimate* e) {
  const Serving& s = st.s;
  const double cp = s.context_parallel, servers = double(s.dp_ranks()) / cp, chunk = s.token_budget_per_chip;
  const Chunks& ch = chunks(st.l, chunk * cp);
  double rho = 1, t = 0;
  for (int i = 0; i < 4; ++i) {  // the step grows with the ranks that carry a chunk
    t = st.mixed(0, ch.tokens / cp, std::max(1.0, rho * servers) * cp);
    rho = lambda_i * ch.mean * t / servers;
  }
  e->prefill_busy = rho;
  e->step = t;
  if (rho >= 1) {
    e->limit = "prefill";
    return;
  }
  const double all = servers * double(e->instances), lambda = lambda_i * double(e->instances);
  for (int q : {50, 90, 99}) {
    const double w = queue_wait_quantile(lambda, ch.mean * t, ch.scv, all, q / 100.0);
    // That prompt's own steps: its chunks beside the others' (as loaded as the mean step).
    const double own = std::max(t, st.mixed(0, ch.tokens_at(q) / cp, std::max(1.0, rho * servers) * cp));
    (q == 50 ? e->ttft.p50 : q == 90 ? e->ttft.p90 : e->ttft.p99) = w + ch.at(q) * own;
  }
  e->busy = 1 - std::pow(1 - rho, servers);
  e->feasible = true;
}

// Solves B = lambda_i O t(B) / tps for the decode batch (bisection on whole sequences).
void estimate_decode(const Steps& st, double lambda_i, PoolEstimate* e) {
  const double tps = st.pm.tokens_per_step(), out = st.l.output_mean;
  std::string limit;
  const double cap = batch_cap(st.pm, st.s, st.l, &limit);
  auto need = [&](double b) { return lambda_i * out * st.decode(b) / tps; };
  if (cap < 1 || need(std::floor(cap)) > std::floor(cap)) {  // even a full batch falls behind
    e->limit = cap < 1 ? "memory" : limit;
    return;
  }
  double lo = 0, hi = std::floor(cap);
  while (hi - lo > 1) {
    const double mid = std::floor((lo + hi) / 2);
    (need(mid) <= mid ? hi : lo) = mid;
  }
  const double b = need(hi);
  e->batch = b;
  e->step = st.decode(b);
  auto step = [&](double z) { return st.decode(std::min(cap, b + z * std::sqrt(b))); };
  e->itl = {step(0), step(kZ90), step(kZ99)};  // a gap is a step; a token is 1 / tps of it
  e->tpot = {e->itl.p50 / tps, e->itl.p90 / tps, e->itl.p99 / tps};
  e->busy = 1 - std::exp(-b);
  e->feasible = true;
}

// Prompts and decodes share the steps: a fixed point of the decode batch and the share
// of steps that carry a chunk.
void estimate_colocated(const Steps& st, double lambda_i, PoolEstimate* e) {
  const Serving& s = st.s;
  const double tps = st.pm.tokens_per_step(), out = st.l.output_mean, cp = s.context_parallel;
  const double servers = double(s.dp_ranks()) / cp;
  std::string limit;
  const double cap = batch_cap(st.pm, s, st.l, &limit);
  double b = 1, rho = 0.5, tm = 0, td = 0, mean = 0, phi = 0;
  const Chunks* ch = nullptr;
  for (int i = 0; i < 40; ++i) {
    const double chunk = std::max(1.0, s.token_budget_per_chip - std::ceil(b / s.dp_ranks()) * tps);
    ch = &chunks(st.l, chunk * cp);
    td = st.decode(b);
    tm = st.mixed(b, ch->tokens / cp, std::max(1.0, rho * servers) * cp);
    phi = 1 - std::pow(1 - std::min(rho, 1.0), servers);
    mean = phi * tm + (1 - phi) * td;
    const double rho_next = 0.5 * rho + 0.5 * lambda_i * ch->mean * tm / servers;
    const double b_next = std::max(1.0, 0.5 * b + 0.5 * lambda_i * out * mean / tps);
    const bool settled = std::fabs(rho_next - rho) < 1e-4 * std::max(rho, 1e-3) && std::fabs(b_next - b) < 1e-4 * b;
    rho = rho_next;
    b = b_next;
    if (settled || b > 2 * cap || rho > 2) break;
  }
  e->prefill_busy = rho;
  e->batch = b;
  e->step = mean;
  if (rho >= 1 || b > cap) {
    e->limit = rho >= 1 ? "prefill" : limit;
    return;
  }
  const double all = servers * double(e->instances), lambda = lambda_i * double(e->instances);
  const double spread = std::sqrt(phi * (1 - phi) / std::max(1.0, st.l.output_p50 / tps)) * (tm - td);
  const double bq[3] = {b, std::min(cap, b + kZ90 * std::sqrt(b)), std::min(cap, b + kZ99 * std::sqrt(b))};
  const double z[3] = {0, kZ90, kZ99};
  const int qs[3] = {50, 90, 99};
  for (int i = 0; i < 3; ++i) {
    const double w = queue_wait_quantile(lambda, ch->mean * tm, ch->scv, all, qs[i] / 100.0);
    const double grow = st.decode(bq[i]) / td;  // a fuller batch slows every step
    const double own = std::max(tm, st.mixed(b, ch->tokens_at(qs[i]) / cp, std::max(1.0, rho * servers) * cp));
    const double ttft = w + ch->at(qs[i]) * own * grow, tpot = (mean * grow + z[i] * spread) / tps;
    if (i == 0) e->ttft.p50 = ttft, e->tpot.p50 = tpot, e->itl.p50 = tpot * tps;
    if (i == 1) e->ttft.p90 = ttft, e->tpot.p90 = tpot, e->itl.p90 = tpot * tps;
    if (i == 2) e->ttft.p99 = ttft, e->tpot.p99 = tpot, e->itl.p99 = tpot * tps;
  }
  e->busy = std::max(phi, 1 - std::exp(-b));
  e->feasible = true;
}

}  // namespace

LoadStats load_stats(const std::vector<RequestSpec>& requests, double rate) {
  LoadStats l;
  if (requests.empty()) return l;
  double prompt = 0, output = 0, computed = 0, pairs = 0, ctx = 0, held = 0;
  std::vector<double> outputs;
  for (const RequestSpec& r : requests) {
    const double p = double(r.input_tokens), o = double(r.output_tokens);
    const double c = std::max(1.0, p - double(r.stored_prefix_tokens)), stored = p - c;
    prompt += p;
    output += o;
    computed += c;
    pairs += c * stored + c * (c + 1) / 2;
    ctx += o * (p + o / 2);
    held += p + o;
    l.held_max = std::max<int64_t>(l.held_max, r.input_tokens + r.output_tokens);
    l.prompt_max = std::max<int64_t>(l.prompt_max, r.input_tokens);
    l.computed.push_back(c);
    outputs.push_back(o);
  }
  const double n = double(requests.size());
  const double span = requests.back().arrival - requests.front().arrival;
  l.rate = rate > 0 ? rate : span > 0 ? (n - 1) / span : n;
  l.prompt_mean = prompt / n;
  l.output_mean = output / n;
  l.pairs_per_token = pairs / computed;
  l.decode_context = output > 0 ? ctx / output : l.prompt_mean;
  l.held_mean = held / n;
  std::sort(l.computed.begin(), l.computed.end());
  std::sort(outputs.begin(), outputs.end());
  l.output_p50 = quantile_of_sorted(outputs, 0.5);
  return l;
}

double queue_wait_quantile(double lambda, double service, double scv, double servers, double q) {
  const double a = lambda * service, rho = a / servers;
  if (rho >= 1) return kInf;
  // Erlang B by its recurrence, then Erlang C: the chance an arrival waits.
  double b = 1;
  for (int64_t k = 1; k <= int64_t(servers); ++k) b = a * b / (double(k) + a * b);
  const double c = b / (1 - rho * (1 - b));
  if (c <= 1 - q) return 0;
  return std::log(c / (1 - q)) * service * (1 + scv) / (2 * servers * (1 - rho));
}

PoolEstimate estimate_pool(const PerfModel& pm, const Serving& s, const LoadStats& l, const std::string& role,
                           int64_t instances) {
  PoolEstimate e;
  e.instances = instances;
  e.chips = instances * s.chips_per_instance;
  const MemoryPlan& m = pm.memory();
  const int64_t held = m.held_tokens(role == "prefill" ? l.prompt_max : l.held_max);
  if (m.kv_bytes_per_chip <= 0 || held > m.kv_tokens_per_rank * s.context_parallel) {
    e.limit = "memory";
    return e;
  }
  const Steps st{pm, s, l};
  const double lambda_i = l.rate / double(std::max<int64_t>(instances, 1));
  if (role == "prefill") estimate_prefill(st, lambda_i, &e);
  if (role == "decode") estimate_decode(st, lambda_i, &e);
  if (role == "colocated") estimate_colocated(st, lambda_i, &e);
  return e;
}

}  // namespace stacksim
