// The deployment search's analytic screen (sweep/search.h): every layout of the plan's
// space sized for the load at its fewest instances within the SLO, priced, ranked.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "config/error.h"
#include "perf/perf_model.h"
#include "sweep/search.h"
#include "workload/generator.h"

namespace stacksim {

namespace {

// The requests of a scenario's workload (closed-loop ones as if each finished at once).
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
  return e == 0 || (e + v.redundant_experts) % cpi == 0;
}

// The pool's bill per hour at the estimate's busy fraction (power between idle and busy).
double usd_per_hour(const PoolSpec& pool, const PoolEstimate& e) {
  const Chip& chip = pool.platform.chip;
  const double watts = chip.power_idle + e.busy * (chip.power_busy - chip.power_idle);
  return pool.platform.cost.per_chip_second(watts) * 3600 * double(e.chips);
}

struct Sizing {
  const Plan& plan;
  const LoadStats& load;
  double frontend;
  int64_t max_instances;
  // Does the estimate meet the SLO targets this role answers for?
  bool ok(const PoolEstimate& e, const std::string& role) const {
    if (!e.feasible) return false;
    for (const SloTarget& t : plan.slo) {
      if (t.metric == "ttft" && role != "decode" && e.ttft.at(t.percentile) + frontend > t.value) return false;
      if (t.metric == "tpot" && role != "prefill" && e.tpot.at(t.percentile) > t.value) return false;
    }
    return true;
  }
  // The first target the estimate misses ("ttft p90").
  std::string missed(const PoolEstimate& e, const std::string& role) const {
    for (const SloTarget& t : plan.slo) {
      if (t.metric == "ttft" && role != "decode" && e.ttft.at(t.percentile) + frontend > t.value)
        return "ttft p" + std::to_string(t.percentile);
      if (t.metric == "tpot" && role != "prefill" && e.tpot.at(t.percentile) > t.value)
        return "tpot p" + std::to_string(t.percentile);
    }
    return "";
  }
  // The fewest instances of `pool` that meet them (doubling, then bisection); false: none
  // up to max_instances.
  bool size(const PoolSpec& pool, const std::string& role, PoolChoice* out) const {
    PerfModel pm(pool.model, pool.platform, pool.serving);
    auto at = [&](int64_t n) { return estimate_pool(pm, pool.serving, load, role, n); };
    int64_t hi = 1;
    PoolEstimate e = at(1);
    while (!ok(e, role)) {
      if (e.limit == "memory" || hi >= max_instances) {
        out->estimate = e;
        if (e.feasible) out->estimate.limit = missed(e, role);
        return false;
      }
      hi = std::min(2 * hi, max_instances);
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
                  out.push_back(
                      {int(cpi), int(tp), int(cp), int(ms), int(b), ov, int(mtp), sp.mtp_acceptance, int(re)});
  return out;
}

// How close the screen puts a deployment to its SLO: the largest estimate / target.
double tightness(const Plan& plan, const Deployment& d) {
  double worst = 0;
  for (const SloTarget& t : plan.slo)
    worst = std::max(worst, (t.metric == "ttft" ? d.ttft_p(t.percentile) : d.tpot_p(t.percentile)) / t.value);
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

namespace {

// The pools of one role sized, as deployments' first (or decode) pools.
// `*count`: the layouts sized; `*excluded`: why the others fell out, by role.
std::vector<PoolChoice> sized(const SearchSpace& sp, const PoolSpec& base, const std::string& role,
                              const Sizing& sizing, int64_t* count, std::map<std::string, int64_t>* excluded) {
  std::vector<PoolChoice> out;
  *count = 0;
  for (const Layout& l : layouts(sp, role)) {
    PoolSpec pool = base;
    if (!apply_layout(l, &pool)) continue;
    ++*count;
    PoolChoice choice;
    choice.layout = l;
    if (sizing.size(pool, role, &choice))
      out.push_back(choice);
    else
      ++(*excluded)[role + ": " + choice.estimate.limit];
  }
  return out;
}

}  // namespace

ScreenResult screen(const Plan& plan, size_t keep) {
  ScreenResult result;
  for (size_t i = 0; i < plan.candidates.size(); ++i) {
    const PlanCandidate& c = plan.candidates[i];
    std::vector<Override> o = c.set;
    o.insert(o.end(), plan.load.begin(), plan.load.end());
    // The base's own layout may not suit this platform: the screen replaces it anyway.
    for (const char* k : {"serving.chips", "serving.chips_per_instance"}) o.push_back({k, "64"});
    for (const char* k : {"serving.attention_tp", "serving.context_parallel", "serving.expert_tp"})
      o.push_back({k, "1"});
    o.push_back({"serving.redundant_experts", "auto"});
    const std::vector<Scenario> scs = load_scenarios(plan.base, o);
    if (scs.size() != 1) throw ConfigError(plan.file, 0, 0, "base", "a plan's base scenario has no variants");
    const Scenario& sc = scs[0];
    PoolSpec decode_base = sc.pools.back();
    if (!c.decode_set.empty()) {
      std::vector<Override> d = o;
      for (const auto& [k, v] : c.decode_set) d.push_back({k == "platform" ? k : "serving." + k, v});
      decode_base = load_scenarios(plan.base, d).at(0).pools.back();
    }
    ScreenResult::PerCandidate r;
    r.load = load_stats(requests_of(sc));
    r.frontend = sc.pools.front().serving.frontend_latency;
    const SearchSpace sp = with_defaults(c.space, sc.pools.front());
    const Sizing sizing{plan, r.load, r.frontend, c.max_instances};
    std::vector<Deployment> all;
    int64_t n = 0;
    if (sp.colocated)
      for (const PoolChoice& p : sized(sp, sc.pools.front(), "colocated", sizing, &n, &r.excluded))
        all.push_back({i, false, p, {}, p.usd_per_hour});
    r.layouts += n;
    r.deployments += n;
    r.feasible += int64_t(all.size());
    if (sp.disaggregated) {
      // Every prefill pool pairs with every decode pool; the cheapest pairs are among the
      // `keep` cheapest of each, so only those are formed.
      int64_t np = 0, nd = 0;
      auto pre = sized(sp, sc.pools.front(), "prefill", sizing, &np, &r.excluded);
      auto dec = sized(with_defaults(c.space, decode_base), decode_base, "decode", sizing, &nd, &r.excluded);
      r.layouts += np + nd;
      r.deployments += np * nd;
      r.feasible += int64_t(pre.size() * dec.size());
      auto by_cost = [](const PoolChoice& a, const PoolChoice& b) { return a.usd_per_hour < b.usd_per_hour; };
      std::stable_sort(pre.begin(), pre.end(), by_cost);
      std::stable_sort(dec.begin(), dec.end(), by_cost);
      for (size_t a = 0; a < std::min(keep, pre.size()); ++a)
        for (size_t b = 0; b < std::min(keep, dec.size()); ++b)
          all.push_back({i, true, pre[a], dec[b], pre[a].usd_per_hour + dec[b].usd_per_hour});
    }
    keep_cheapest(plan, &all, keep);
    r.best = std::move(all);
    result.candidates.push_back(std::move(r));
  }
  return result;
}

}  // namespace stacksim
