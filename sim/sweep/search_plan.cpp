// The plan file of the deployment search, and what a deployment becomes: the overrides
// of the base scenario the DES runs, and the serving engine's launch arguments.
#include <algorithm>
#include <cmath>
#include <map>

#include "config/error.h"
#include "sweep/search.h"
#include "util/table.h"

namespace stacksim {

namespace {

std::vector<std::string> string_list(MapReader& c, const std::string& key, const std::vector<std::string>& choices) {
  const YAML::Node n = c.list(key);
  std::vector<std::string> out;
  for (size_t j = 0; j < n.size(); ++j) {
    const std::string where = c.path_of(key) + "[" + std::to_string(j) + "]";
    if (!n[j].IsScalar()) fail_at(n[j], c.origin(), where, "expected one of the listed words");
    const std::string v = n[j].Scalar();
    if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
      std::string all;
      for (const auto& ch : choices) all += (all.empty() ? "" : ", ") + ch;
      fail_at(n[j], c.origin(), where, "expected one of " + all + ", found \"" + v + "\"");
    }
    out.push_back(v);
  }
  return out;
}

std::vector<Override> read_set(MapReader& c, const std::string& key, const std::string& file) {
  std::vector<Override> out;
  const YAML::Node s = c.node(key);
  if (!s.IsMap()) fail_at(s, c.origin(), c.path_of(key), "expected a mapping of key: value");
  MapReader(s, c.origin(), c.path_of(key));  // a key given twice is an error, as everywhere
  for (const auto& kv : s) {
    YAML::Emitter e;
    e << YAML::Flow << kv.second;
    std::string v = e.c_str();
    const std::string k = kv.first.Scalar();
    // A path is rebased on the plan file; a whole file given inline stays as written.
    if ((k == "platform" || k == "model" || k == "workload") && kv.second.IsScalar())
      v = resolve_path(kv.second.Scalar(), file);
    out.push_back({k, v});
  }
  return out;
}

// `precision:` a list of serving.precision maps (each checked as the scenario reader
// checks one), kept as flow YAML; `{}` stands for the model's own.
void read_precisions(MapReader& c, SearchSpace* sp) {
  const YAML::Node n = c.list("precision");
  for (size_t j = 0; j < n.size(); ++j) {
    MapReader p(n[j], c.origin(), c.path_of("precision") + "[" + std::to_string(j) + "]");
    Model scratch;
    override_precision(p, &scratch);  // names each bad key and value where it is
    YAML::Emitter e;
    e << YAML::Flow << n[j];
    sp->precision.push_back(n[j].size() == 0 ? std::string() : std::string(e.c_str()));
  }
}

// The space's keys, each a list (absent: filled from the platform by the screen).
void read_space(MapReader& c, SearchSpace* sp) {
  auto ints = [&](const char* key, std::vector<int64_t>* out, int64_t max) {
    if (c.has(key)) *out = c.integer_list(key, 1, max);
  };
  ints("chips_per_instance", &sp->chips_per_instance, 1 << 16);
  ints("attention_tp", &sp->attention_tp, 1 << 10);
  ints("context_parallel", &sp->context_parallel, 1 << 10);
  ints("max_seqs_per_chip", &sp->max_seqs_per_chip, 1 << 20);
  ints("token_budget_per_chip", &sp->token_budget_per_chip, 1 << 24);
  if (c.has("mtp_draft_tokens")) sp->mtp_draft_tokens = c.integer_list("mtp_draft_tokens", 0, 16);
  sp->mtp_acceptance = c.quantity_or("mtp_acceptance", Dimension::Number, -1, 0, 1);
  if (c.has("overlap")) sp->overlap = string_list(c, "overlap", {"none", "single_batch", "two_batch"});
  if (c.has("precision")) read_precisions(c, sp);
  if (c.has("redundant_experts")) {
    const YAML::Node n = c.list("redundant_experts");
    for (size_t j = 0; j < n.size(); ++j) {
      if (n[j].IsScalar() && n[j].Scalar() == "auto") {
        sp->redundant_experts.push_back(-1);
        continue;
      }
      MapReader one(YAML::Load("{v: " + YAML::Dump(n[j]) + "}"), c.origin(), c.path_of("redundant_experts"));
      try {
        sp->redundant_experts.push_back(one.integer("v", 0, 1 << 16));
      } catch (const ConfigError&) {
        fail_at(n[j], c.origin(), c.path_of("redundant_experts") + "[" + std::to_string(j) + "]",
                "expected a whole number or auto");
      }
    }
  }
  if (c.has("mode") && c.has("prefill_fraction")) c.fail("prefill_fraction", "give mode or prefill_fraction, not both");
  if (c.has("mode")) {
    const auto modes = string_list(c, "mode", {"colocated", "disaggregated"});
    sp->colocated = std::count(modes.begin(), modes.end(), "colocated") > 0;
    sp->disaggregated = std::count(modes.begin(), modes.end(), "disaggregated") > 0;
  }
  if (c.has("prefill_fraction")) {  // the older key: 0 colocated, a fraction > 0 disaggregated
    const auto f = c.quantity_list("prefill_fraction", Dimension::Number, 0);
    const YAML::Node n = c.node("prefill_fraction");
    for (size_t j = 0; j < n.size(); ++j)
      if (f[j] >= 1)
        fail_at(n[j], c.origin(), c.path_of("prefill_fraction") + "[" + std::to_string(j) + "]",
                "expected a fraction in [0, 1) (the decode pool needs instances too)");
    sp->colocated = std::count(f.begin(), f.end(), 0.0) > 0;
    sp->disaggregated = std::count_if(f.begin(), f.end(), [](double x) { return x > 0; }) > 0;
  }
}

// A space key the candidate's `set` fixes (serving.attention_tp: 8) and its space leaves
// out is searched at that one value.
void fix_from_set(MapReader& c, PlanCandidate* k) {
  std::vector<Override> rest;
  SearchSpace& sp = k->space;
  const std::map<std::string, std::vector<int64_t>*> ints = {
      {"serving.chips_per_instance", &sp.chips_per_instance},
      {"serving.attention_tp", &sp.attention_tp},
      {"serving.context_parallel", &sp.context_parallel},
      {"serving.max_seqs_per_chip", &sp.max_seqs_per_chip},
      {"serving.token_budget_per_chip", &sp.token_budget_per_chip}};
  for (const auto& [key, value] : k->set) {
    const auto it = ints.find(key);
    if (it != ints.end() && it->second->empty()) {
      MapReader one(YAML::Load("{v: " + value + "}"), c.origin(), c.path_of("set") + "." + key);
      try {
        it->second->push_back(one.integer("v", 1, 1 << 24));
      } catch (const ConfigError&) {
        c.fail("set", key + ": expected a whole number from 1, found \"" + value + "\"");
      }
    } else if (key == "serving.overlap" && sp.overlap.empty()) {
      sp.overlap.push_back(value);
    } else {
      rest.push_back({key, value});
    }
  }
  k->set = rest;
}

PlanCandidate read_candidate(const YAML::Node& node, const std::string& file, size_t i, bool max_load) {
  MapReader c(node, file, "candidates[" + std::to_string(i) + "]");
  PlanCandidate k;
  k.name = c.name("name");
  k.at = c.where("name");
  k.mtp_at = c.where(c.has("mtp_draft_tokens") ? "mtp_draft_tokens" : "name");
  if (k.name.find('/') != std::string::npos || k.name.empty() || k.name[0] == '.')
    c.fail("name", "is also a file name (--write-scenarios): no '/', not empty, not starting with '.'");
  if (c.has("set")) k.set = read_set(c, "set", file);
  if (c.has("decode_set")) {
    k.decode_set = read_set(c, "decode_set", file);
    for (const auto& kv : k.decode_set)
      if (kv.first == "chips_per_instance" || kv.first == "attention_tp" || kv.first == "context_parallel" ||
          kv.first == "max_seqs_per_chip" || kv.first == "token_budget_per_chip" || kv.first == "overlap" ||
          kv.first == "mtp" || kv.first == "redundant_experts" || kv.first == "chips" || kv.first == "expert_tp")
        c.fail("decode_set", kv.first +
                                 " is a key the search sets; decode_set holds the decode pool's platform "
                                 "and other serving keys");
  }
  read_space(c, &k.space);
  if (!k.decode_set.empty() && !k.space.disaggregated)
    c.fail("decode_set", "is the decode pool's: it needs mode: [disaggregated]");
  if (!k.decode_set.empty()) k.space.colocated = false;
  fix_from_set(c, &k);
  k.max_instances = c.integer_or("max_instances", 64, 1, 100000);
  if (max_load && !c.has("chips"))
    c.fail("name", "objective max_load needs each candidate's fixed cluster: give chips");
  if (!max_load && c.has("chips"))
    c.fail("chips", "a fixed cluster is objective max_load's (objective: cheapest sizes the cluster)");
  k.chips = c.integer_or("chips", 0, 1, 10000000);
  c.finish();
  return k;
}

void read_slo(MapReader& r, Plan* plan) {
  const YAML::Node node = r.node("slo");
  MapReader slo(node, r.origin(), "slo");
  for (const char* metric : {"ttft", "tpot", "itl"})
    for (int q : {50, 90, 99}) {
      const std::string key = std::string(metric) + "_p" + std::to_string(q);
      if (slo.has(key)) plan->slo.push_back({metric, q, slo.quantity(key, Dimension::Time, 1e-6)});
    }
  if (slo.has("tokens_per_s_per_user"))
    plan->slo.push_back({"tpot", 50, 1 / slo.quantity("tokens_per_s_per_user", Dimension::Number, 1e-3)});
  if (plan->slo.empty())
    fail_at(node, r.origin(), "slo", "expected at least one target (ttft_p99, tpot_p50, tokens_per_s_per_user ...)");
  slo.finish();
}

}  // namespace

Plan load_plan(const std::string& file) {
  const YAML::Node root = load_yaml_file(file);
  MapReader r(root, file, "");
  Plan plan;
  plan.file = file;
  plan.base_at = r.where("base");
  plan.base = r.file_at("base");
  if (r.has("load")) {
    MapReader l = r.child("load");
    if (l.has("rate"))
      plan.load.push_back({"workload.arrival.rate", strprintf("%.17g/s", l.quantity("rate", Dimension::Rate, 1e-9))});
    if (l.has("requests"))
      plan.load.push_back({"workload.requests", std::to_string(l.integer("requests", 1, 1 << 24))});
    if (l.has("time_scale"))
      plan.load.push_back(
          {"workload.time_scale", strprintf("%.17g", l.quantity("time_scale", Dimension::Number, 1e-9))});
    l.finish();
  }
  if (r.has("pricing")) plan.load.push_back({"pricing", r.choice("pricing", {"ownership", "rental"})});
  read_slo(r, &plan);
  plan.confirm = int(r.integer_or("confirm", 3, 1, 20));
  plan.max_load = r.choice_or("objective", {"cheapest", "max_load"}, "cheapest") == "max_load";
  if (r.has("references")) {
    const YAML::Node refs = r.list("references");
    for (size_t i = 0; i < refs.size(); ++i) {
      MapReader ref(refs[i], file, "references[" + std::to_string(i) + "]");
      PlanReference x;
      x.name = ref.name("name");
      x.set = read_set(ref, "set", file);
      ref.finish();
      plan.references.push_back(x);
    }
  }
  const YAML::Node list = r.list("candidates");
  for (size_t i = 0; i < list.size(); ++i) plan.candidates.push_back(read_candidate(list[i], file, i, plan.max_load));
  r.finish();
  return plan;
}

namespace {

// A pool's serving keys as a YAML flow mapping.
// (Without its closing brace, so that a caller can add keys.)
std::string pool_map(const Layout& l, int64_t instances) {
  std::string m = "{chips: " + std::to_string(int64_t(l.chips_per_instance) * instances) +
                  ", chips_per_instance: " + std::to_string(l.chips_per_instance) +
                  ", attention_tp: " + std::to_string(l.attention_tp) +
                  ", context_parallel: " + std::to_string(l.context_parallel) +
                  ", max_seqs_per_chip: " + std::to_string(l.max_seqs_per_chip) +
                  ", token_budget_per_chip: " + std::to_string(l.token_budget_per_chip) + ", overlap: " + l.overlap +
                  ", redundant_experts: " + (l.redundant_experts < 0 ? "auto" : std::to_string(l.redundant_experts));
  // MTP and expert TP always written: the screen sized the layout with these, whatever
  // the base says.
  m += ", expert_tp: 1, mtp: {draft_tokens: " + std::to_string(l.mtp_draft_tokens) +
       ", acceptance: " + strprintf("%.17g", l.mtp_draft_tokens > 0 ? l.mtp_acceptance : 0.0) + "}";
  if (!l.precision.empty()) m += ", precision: " + l.precision;
  return m;
}

}  // namespace

bool apply_precision(const std::string& precision, PoolSpec* pool) {
  if (precision.empty()) return true;
  MapReader p(YAML::Load(precision), Origin("the plan's precision list"), "serving.precision");
  override_precision(p, &pool->model);
  try {
    check_chip_precisions(pool->model, pool->platform.chip, pool->platform.file);
  } catch (const ConfigError&) {
    return false;
  }
  return true;
}

std::vector<Override> deployment_overrides(const Plan& plan, const Deployment& d, int64_t first, int64_t decode,
                                           double warmup) {
  const PlanCandidate& c = plan.candidates[d.candidate];
  std::vector<Override> o = c.set;
  o.insert(o.end(), plan.load.begin(), plan.load.end());
  o.push_back({"simulation.warmup", strprintf("%.17g s", warmup)});
  if (!d.disaggregated) {
    // Key by key, so that the base's other serving keys (router, front end ...) stay.
    for (const auto& kv : YAML::Load(pool_map(d.first.layout, first) + "}")) {
      YAML::Emitter e;
      e << YAML::Flow << kv.second;
      o.push_back({"serving." + kv.first.Scalar(), e.c_str()});
    }
    return o;
  }
  std::string dm = pool_map(d.decode.layout, decode);
  for (const auto& [k, v] : c.decode_set) dm += ", " + k + ": " + v;
  o.push_back({"serving.prefill", pool_map(d.first.layout, first) + "}"});
  o.push_back({"serving.decode", dm + "}"});
  return o;
}

}  // namespace stacksim
