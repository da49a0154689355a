// The deployment search's analytic screen (sweep/search.h): every layout of the plan's
// space sized for the load at its fewest instances within the SLO, priced, ranked.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "config/error.h"
#include "perf/perf_model.h"
#include "sweep/search.h"
#include "util/table.h"
#include "workload/generator.h"

namespace stacksim {

std::vector<RequestSpec> requests_of(const Scenario& sc) {
  auto gen = make_generator(sc.workload, sc.seed);
  std::vector<RequestSpec> out;
  RequestSpec r;
  while (out.size() < (size_t(1) << 20) && !gen->exhausted() && gen->next(&r)) {
    out.push_back(r);
    if (gen->reacts_to_completions()) gen->on_complete(r, r.arrival);
  }
  return out;
}

namespace {

std::vector<int64_t> powers_of_two(int64_t lo, int64_t hi) {
  std::vector<int64_t> v;
  for (int64_t x = lo; x <= hi; x *= 2) v.push_back(x);
  return v;
}

// The keys a plan left out: what the platform allows.
SearchSpace with_defaults(SearchSpace sp, const PoolSpec& base) {
  const int64_t domain = base.platform.scale_up.chips_per_domain;
  if (sp.chips_per_instance.empty()) {
    sp.chips_per_instance = powers_of_two(1, domain);
    if (sp.chips_per_instance.back() != domain) sp.chips_per_instance.push_back(domain);
    sp.chips_per_instance.push_back(2 * domain);
  }
  if (sp.attention_tp.empty()) sp.attention_tp = powers_of_two(1, 8);
  if (sp.context_parallel.empty()) sp.context_parallel = {1};
  if (sp.max_seqs_per_chip.empty()) sp.max_seqs_per_chip = powers_of_two(8, 256);
  if (sp.token_budget_per_chip.empty()) sp.token_budget_per_chip = powers_of_two(512, 16384);
  if (sp.overlap.empty()) sp.overlap = {"none", "single_batch", "two_batch"};
  if (sp.mtp_draft_tokens.empty()) sp.mtp_draft_tokens = {base.serving.mtp_draft_tokens};
  if (sp.mtp_acceptance < 0) sp.mtp_acceptance = base.serving.mtp_acceptance;
  if (sp.redundant_experts.empty()) sp.redundant_experts = {-1};
  if (sp.precision.empty()) sp.precision = {""};
  return sp;
}

// The pool `base` with layout `l`, or false (and why) when the layout is not one the
// loader would accept (the checks of config/scenario.cpp's serving reader).
bool apply_layout(const Layout& l, PoolSpec* pool) {
  Serving& v = pool->serving;
  const int cpi = l.chips_per_instance;
  if (cpi % l.attention_tp != 0 || cpi % v.expert_tp != 0) return false;
  if (v.expert_tp > 1 && l.attention_tp != cpi) return false;
  const int ranks = std::min(pool->platform.scale_up.chips_per_domain, cpi) / l.attention_tp;
  if (l.context_parallel > std::max(ranks, 1)) return false;
  v.chips_per_instance = cpi;
  v.chips = cpi;
  v.attention_tp = l.attention_tp;
  v.context_parallel = l.context_parallel;
  v.max_seqs_per_chip = l.max_seqs_per_chip;
  v.token_budget_per_chip = l.token_budget_per_chip;
  v.overlap = l.overlap;
  v.mtp_draft_tokens = l.mtp_draft_tokens;
  v.mtp_acceptance = l.mtp_draft_tokens > 0 ? l.mtp_acceptance : 0;
  if (l.mtp_draft_tokens > 0 && l.mtp_acceptance <= 0) return false;
  const int e = pool->model.routed_experts;
  v.redundant_experts = l.redundant_experts < 0 ? (e > 0 ? (cpi - e % cpi) % cpi : 0) : l.redundant_experts;
  v.redundant_experts_auto = false;
  return (e == 0 || (e + v.redundant_experts) % cpi == 0) && apply_precision(l.precision, pool);
}

// The pool's bill per hour at the estimate's busy fraction (power between idle and busy).
double usd_per_hour(const PoolSpec& pool, const PoolEstimate& e) {
  return pool.platform.cost.per_chip_second(pool.platform.chip.watts_at(e.busy)) * 3600 * double(e.chips);
}

struct Sizing {
  const Plan& plan;
  const LoadStats& load;
  double frontend;
  int64_t max_instances;
  // max_load: the cluster's chips (0: none), the load's scale, and the layouts the screen
  // found infeasible at some scale (role + layout -> the lowest such scale), which a
  // higher load cannot make feasible: skipped without building their perf model.
  int64_t max_chips = 0;
  double scale = 1;
  std::map<std::string, double>* dead = nullptr;
  // The first SLO target this role answers for that the estimate misses ("ttft p90"; ""
  // when it meets them all); `ttft_only`: the TTFT targets alone.
  std::string missed(const PoolEstimate& e, const std::string& role, bool ttft_only = false) const {
    for (const SloTarget& t : plan.slo) {
      if (t.metric == "ttft" && role != "decode" && e.ttft.at(t.percentile) + frontend > t.value)
        return "ttft p" + std::to_string(t.percentile);
      if (!ttft_only && t.metric != "ttft" && role != "prefill" &&
          (t.metric == "tpot" ? e.tpot : e.itl).at(t.percentile) > t.value)
        return t.metric + " p" + std::to_string(t.percentile);
    }
    return "";
  }
  bool ok(const PoolEstimate& e, const std::string& role) const { return e.feasible && missed(e, role).empty(); }
  // The trade-off of `pool`: at its fewest stable instances (by doubling) and k times more.
  void trace(const PerfModel& pm, const PoolSpec& pool, const std::string& role, const Layout& l,
             std::vector<FrontierPoint>* out) const {
    auto at = [&](int64_t n) { return estimate_pool(pm, pool.serving, load, role, n); };
    int64_t n = 1;
    for (PoolEstimate e = at(1); !e.feasible; e = at(n)) {
      if (e.limit == "memory" || n >= max_instances) return;
      n = std::min(2 * n, max_instances);
    }
    for (int64_t lo = n / 2; n - lo > 1;) {  // the fewest stable instances
      const int64_t mid = (lo + n) / 2;
      (at(mid).feasible ? n : lo) = mid;
    }
    int64_t last = 0;
    for (double k : {1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0}) {
      const int64_t m = std::min(max_instances, std::max(n, int64_t(std::llround(double(n) * k))));
      if (m == last) continue;
      last = m;
      const PoolEstimate x = at(m);
      if (!x.feasible || !missed(x, role, true).empty() || x.tpot.p50 <= 0) continue;
      out->push_back({1 / x.tpot.p50, load.rate * load.output_mean / double(x.chips), usd_per_hour(pool, x), x.chips,
                      describe(l) + " x" + std::to_string(m)});
    }
  }
  // The fewest instances of `pool` that meet them (doubling, then bisection); false: none
  // up to max_instances.
  bool size(const PerfModel& pm, const PoolSpec& pool, const std::string& role, PoolChoice* out) const {
    auto at = [&](int64_t n) { return estimate_pool(pm, pool.serving, load, role, n); };
    const int64_t cap =
        max_chips > 0 ? std::min(max_instances, max_chips / pool.serving.chips_per_instance) : max_instances;
    if (cap < 1) {
      out->estimate.limit = "chips";
      return false;
    }
    int64_t hi = 1;
    PoolEstimate e = at(1);
    while (!ok(e, role)) {
      if (e.limit == "memory" || hi >= cap) {
        out->estimate = e;
        if (e.feasible) out->estimate.limit = missed(e, role);
        return false;
      }
      hi = std::min(2 * hi, cap);
      e = at(hi);
    }
    int64_t lo = hi / 2;  // lo fails (or is 0)
    while (hi - lo > 1) {
      const int64_t mid = (lo + hi) / 2;
      const PoolEstimate m = at(mid);
      if (ok(m, role))
        hi = mid, e = m;
      else
        lo = mid;
    }
    out->estimate = e;
    out->usd_per_hour = usd_per_hour(pool, e);
    return true;
  }
};

// Every layout of the space (for a prefill or decode pool, the keys that do not matter
// to it held at one value, so that no layout is sized twice).
std::vector<Layout> layouts(const SearchSpace& sp, const std::string& role) {
  std::vector<Layout> out;
  const std::vector<int64_t> seqs =
      role == "prefill" ? std::vector<int64_t>{sp.max_seqs_per_chip.back()} : sp.max_seqs_per_chip;
  const std::vector<int64_t> budgets =
      role == "decode" ? std::vector<int64_t>{sp.token_budget_per_chip.back()} : sp.token_budget_per_chip;
  const std::vector<int64_t> cps = role == "decode" ? std::vector<int64_t>{1} : sp.context_parallel;
  const std::vector<int64_t> mtps = role == "prefill" ? std::vector<int64_t>{0} : sp.mtp_draft_tokens;
  for (int64_t cpi : sp.chips_per_instance)
    for (int64_t tp : sp.attention_tp)
      for (int64_t cp : cps)
        for (int64_t ms : seqs)
          for (int64_t b : budgets)
            for (const std::string& ov : sp.overlap)
              for (int64_t mtp : mtps)
                for (int64_t re : sp.redundant_experts)
                  for (const std::string& pr : sp.precision)
                    out.push_back(
                        {int(cpi), int(tp), int(cp), int(ms), int(b), ov, int(mtp), sp.mtp_acceptance, int(re), pr});
  return out;
}

// How close the screen puts a deployment to its SLO: the largest estimate / target.
double tightness(const Plan& plan, const Deployment& d) {
  double worst = 0;
  for (const SloTarget& t : plan.slo) worst = std::max(worst, d.at(t.metric, t.percentile) / t.value);
  return worst;
}

// What makes two deployments different enough to confirm both: the mode, the instance
// size and attention TP of each pool, and their instance counts.
std::vector<int64_t> shape(const Deployment& d) {
  std::vector<int64_t> s = {d.disaggregated, d.first.layout.chips_per_instance, d.first.layout.attention_tp,
                            d.first.estimate.instances};
  if (d.disaggregated)
    s.insert(s.end(), {d.decode.layout.chips_per_instance, d.decode.layout.attention_tp, d.decode.estimate.instances});
  return s;
}

// The `keep` cheapest of `all` of distinct shapes, cheapest first; among equal bills the
// one furthest inside the SLO (the likeliest to hold in simulation).
void keep_cheapest(const Plan& plan, std::vector<Deployment>* all, size_t keep) {
  std::stable_sort(all->begin(), all->end(), [&](const Deployment& a, const Deployment& b) {
    if (a.usd_per_hour != b.usd_per_hour) return a.usd_per_hour < b.usd_per_hour;
    return tightness(plan, a) < tightness(plan, b);
  });
  std::vector<Deployment> out;
  std::set<std::vector<int64_t>> seen;
  for (const Deployment& d : *all) {
    if (out.size() >= keep) break;
    if (seen.insert(shape(d)).second) out.push_back(d);
  }
  *all = std::move(out);
}

}  // namespace

double Deployment::ttft_p(int q) const { return first.estimate.ttft.at(q); }
double Deployment::tpot_p(int q) const { return (disaggregated ? decode : first).estimate.tpot.at(q); }
double Deployment::itl_p(int q) const { return (disaggregated ? decode : first).estimate.itl.at(q); }
double Deployment::at(const std::string& metric, int q) const {
  return metric == "ttft" ? ttft_p(q) : metric == "tpot" ? tpot_p(q) : itl_p(q);
}

namespace {

const char* const kNoLayout =
    "none of this candidate's layouts can run on its platform and model (attention_tp must divide "
    "chips_per_instance, context_parallel fit the instance's attention ranks in one domain, the routed "
    "experts spread evenly, the precision be the chip's): widen its lists";

// The pools of one role sized, as deployments' first (or decode) pools.
// `*count`: the layouts sized; `*excluded`: why the others fell out, by role; `*trace`
// (colocated and decode pools; nullptr: none): their trade-off points.
std::vector<PoolChoice> sized(const SearchSpace& sp, const PoolSpec& base, const std::string& role,
                              const Sizing& sizing, int64_t* count, std::map<std::string, int64_t>* excluded,
                              std::vector<FrontierPoint>* trace) {
  std::vector<PoolChoice> out;
  *count = 0;
  for (const Layout& l : layouts(sp, role)) {
    const std::string key = sizing.dead ? role + " " + describe(l) : std::string();
    if (sizing.dead) {
      const auto d = sizing.dead->find(key);
      if (d != sizing.dead->end() && d->second <= sizing.scale) continue;
    }
    PoolSpec pool = base;
    if (!apply_layout(l, &pool)) continue;
    ++*count;
    PoolChoice choice;
    choice.layout = l;
    choice.layout.redundant_experts = pool.serving.redundant_experts;  // auto resolved: what SGLang is told
    const PerfModel pm(pool.model, pool.platform, pool.serving);
    if (sizing.size(pm, pool, role, &choice)) {
      out.push_back(choice);
    } else {
      ++(*excluded)[role + ": " + choice.estimate.limit];
      if (sizing.dead) {
        auto [it, added] = sizing.dead->emplace(key, sizing.scale);
        if (!added) it->second = std::min(it->second, sizing.scale);
      }
    }
    if (trace && role != "prefill" && choice.estimate.limit != "memory") sizing.trace(pm, pool, role, l, trace);
  }
  return out;
}

// The points of `all` that no other beats on both tokens/s per user and per chip.
std::vector<FrontierPoint> pareto(std::vector<FrontierPoint> all) {
  std::stable_sort(all.begin(), all.end(), [](const FrontierPoint& a, const FrontierPoint& b) {
    if (a.tokens_per_s_per_user != b.tokens_per_s_per_user) return a.tokens_per_s_per_user > b.tokens_per_s_per_user;
    return a.tokens_per_s_per_chip > b.tokens_per_s_per_chip;
  });
  std::vector<FrontierPoint> out;
  for (const FrontierPoint& p : all)
    if (out.empty() || p.tokens_per_s_per_chip > out.back().tokens_per_s_per_chip) out.push_back(p);
  return out;
}

// The base scenario of candidate `c` (with a layout the screen replaces anyway) and the
// template of its decode pool (decode_set's platform and keys).
std::pair<Scenario, PoolSpec> bases(const Plan& plan, const PlanCandidate& c) {
  std::vector<Override> o = c.set;
  o.insert(o.end(), plan.load.begin(), plan.load.end());
  for (const char* k : {"serving.chips", "serving.chips_per_instance"}) o.push_back({k, "64"});
  for (const char* k : {"serving.attention_tp", "serving.context_parallel", "serving.expert_tp"}) o.push_back({k, "1"});
  o.push_back({"serving.redundant_experts", "auto"});
  std::vector<Scenario> scs = load_scenarios(plan.base, o);
  if (scs.size() != 1) plan.base_at.fail("a plan's base scenario has no variants");
  if (scs[0].disaggregated())
    plan.base_at.fail("a plan's base scenario is colocated (the plan's mode says whether to disaggregate)");
  PoolSpec decode_base = scs[0].pools.back();
  if (!c.decode_set.empty()) {
    for (const auto& [k, v] : c.decode_set) o.push_back({k == "platform" ? k : "serving." + k, v});
    decode_base = load_scenarios(plan.base, o).at(0).pools.back();
  }
  return {std::move(scs[0]), decode_base};
}

// Disaggregated deployments: every prefill pool pairs with every decode pool; the
// cheapest pairs are among the `keep` cheapest of each, so only those are formed. The
// decode pools' trade-off points gain the cheapest prefill pool.
void pair_pools(size_t i, size_t keep, std::vector<PoolChoice> pre, std::vector<PoolChoice> dec,
                std::vector<FrontierPoint>* trace, ScreenResult::PerCandidate* r, std::vector<Deployment>* all) {
  r->feasible += int64_t(pre.size() * dec.size());
  auto by_cost = [](const PoolChoice& a, const PoolChoice& b) { return a.usd_per_hour < b.usd_per_hour; };
  std::stable_sort(pre.begin(), pre.end(), by_cost);
  std::stable_sort(dec.begin(), dec.end(), by_cost);
  for (size_t a = 0; a < std::min(keep, pre.size()); ++a)
    for (size_t b = 0; b < std::min(keep, dec.size()); ++b)
      all->push_back({i, true, pre[a], dec[b], pre[a].usd_per_hour + dec[b].usd_per_hour});
  if (pre.empty()) return;
  const PoolChoice& p = pre.front();
  const double out_rate = r->load.rate * r->load.output_mean;
  for (FrontierPoint& f : *trace) {
    f.chips += p.estimate.chips;
    f.usd_per_hour += p.usd_per_hour;
    f.tokens_per_s_per_chip = out_rate / double(f.chips);
    f.deployment =
        "prefill " + describe(p.layout) + " x" + std::to_string(p.estimate.instances) + " | decode " + f.deployment;
  }
  r->frontier.insert(r->frontier.end(), trace->begin(), trace->end());
}

}  // namespace

ScreenResult::PerCandidate screen_candidate(const Plan& base_plan, size_t i, size_t keep, double load_scale,
                                            int64_t max_chips, bool frontier, std::map<std::string, double>* dead) {
  Plan plan = base_plan;
  if (load_scale > 0) plan.load.push_back({"workload.load_scale", strprintf("%.17g", load_scale)});
  const PlanCandidate& c = plan.candidates[i];
  const auto [sc, decode_base] = bases(plan, c);
  ScreenResult::PerCandidate r;
  r.load_scale = load_scale > 0 ? load_scale : 1;
  r.load = load_stats(requests_of(sc));
  // The DES judges a deployment over the steady-state window (nine tenths of the
  // arrivals' span): it must be long against the latencies it judges.
  double longest = 0;
  for (const SloTarget& t : plan.slo) longest = std::max(longest, t.metric == "ttft" ? t.value : 0.0);
  const double window = r.load.rate > 0 ? 0.9 * double(r.load.computed.size()) / r.load.rate : 0;
  if (window < 5 * longest && !plan.max_load)
    plan.base_at.fail(
        strprintf("the load's steady-state window, %.3g s, is shorter than 5 x the TTFT target "
                  "(%.3g s): give more requests (load: {requests: N})",
                  window, longest));
  r.frontend = sc.pools.front().serving.frontend_latency;
  const SearchSpace sp = with_defaults(c.space, sc.pools.front());
  for (int64_t d : sp.mtp_draft_tokens)
    if (d > 0 && sp.mtp_acceptance <= 0)
      c.mtp_at.fail("MTP draft tokens need an acceptance: give mtp_acceptance (the base's serving.mtp has none)");
  const Sizing sizing{plan, r.load, r.frontend, c.max_instances, max_chips, r.load_scale, dead};
  std::vector<Deployment> all;
  int64_t n = 0;
  if (sp.colocated)
    for (const PoolChoice& p :
         sized(sp, sc.pools.front(), "colocated", sizing, &n, &r.excluded, frontier ? &r.frontier : nullptr))
      all.push_back({i, false, p, {}, p.usd_per_hour});
  r.layouts += n;
  r.deployments += n;
  r.feasible += int64_t(all.size());
  if (sp.disaggregated) {
    int64_t np = 0, nd = 0;
    std::vector<FrontierPoint> unused, trace;
    auto pre = sized(sp, sc.pools.front(), "prefill", sizing, &np, &r.excluded, &unused);
    auto dec = sized(with_defaults(c.space, decode_base), decode_base, "decode", sizing, &nd, &r.excluded,
                     frontier ? &trace : nullptr);
    r.layouts += np + nd;
    r.deployments += np * nd;
    pair_pools(i, keep, std::move(pre), std::move(dec), &trace, &r, &all);
  }
  if (r.deployments == 0 && (!dead || dead->empty()))  // found before anything is simulated
    c.at.fail(kNoLayout);
  if (max_chips > 0)
    all.erase(std::remove_if(all.begin(), all.end(), [&](const Deployment& d) { return d.chips() > max_chips; }),
              all.end());
  keep_cheapest(plan, &all, keep);
  r.best = std::move(all);
  r.frontier = pareto(std::move(r.frontier));
  return r;
}

ScreenResult screen(const Plan& plan, size_t keep) {
  ScreenResult result;
  for (size_t i = 0; i < plan.candidates.size(); ++i)
    result.candidates.push_back(screen_candidate(plan, i, keep, 0, 0, true));
  return result;
}

}  // namespace stacksim
