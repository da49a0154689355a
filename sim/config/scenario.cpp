#include "config/scenario.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/canonical.h"
#include "config/part.h"
#include "serving/variants.h"
#include "util/hash.h"
#include "util/io.h"

namespace stacksim {

namespace {

const char* const kSubFiles[] = {"platform", "model", "workload"};

bool is_subfile(const std::string& s) {
  for (const char* k : kSubFiles)
    if (s == k) return true;
  return false;
}

// FNV-1a, 64 bits, as 16 hex digits.
std::string fingerprint_of(const std::string& text) {
  const uint64_t h = fnv1a(text);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Expert routing (popularity, EPLB) and redundant expert replicas.
void read_experts(MapReader& s, Serving& v) {
  // Without a `routing:` the measured law with EPLB (config/routing.h), as the cases.
  v.routing = Routing{};
  if (s.has("routing")) {
    MapReader rt = s.child("routing");
    v.routing.type = rt.choice_or("type", {"measured", "balanced", "zipf", "fixed"}, "measured");
    if (v.routing.type == "zipf") v.routing.skew = rt.quantity("skew", Dimension::Number, 0, 10);
    if (v.routing.type == "fixed") v.routing.imbalance = rt.quantity("imbalance", Dimension::Number, 1, 1000);
    if (v.routing.type != "zipf" && rt.has("skew")) rt.fail("skew", "only with type: zipf");
    if (v.routing.type != "fixed" && rt.has("imbalance")) rt.fail("imbalance", "only with type: fixed");
    // EPLB is what the measured law's deployments ran; a Zipf popularity is placed
    // statically unless asked.
    v.routing.eplb = rt.boolean_or("eplb", v.routing.type == "measured");
    rt.finish();
  }
  if (s.has("redundant_experts")) {
    const YAML::Node n = s.node("redundant_experts");
    const std::string text = n.IsScalar() ? n.Scalar() : "";
    if (text == "auto")
      v.redundant_experts_auto = true;
    else if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
      s.fail("redundant_experts", "expected a whole number or auto, found \"" + text + "\"");
    else
      v.redundant_experts = static_cast<int>(s.integer("redundant_experts", 0, 1 << 20));
  }
}

// `graphs:` all | decode | none, or a boolean (true = all, false = none).
void read_graphs(MapReader& s, Serving& v) {
  const std::string g =
      s.choice_or("graphs", {"all", "decode", "none", "true", "false", "yes", "no", "on", "off"}, v.graphs);
  v.graphs = g == "true" || g == "yes" || g == "on" ? "all" : g == "false" || g == "no" || g == "off" ? "none" : g;
}

// `overlap:`, or its older boolean spelling `two_batch_overlap:` (not both).
void read_overlap(MapReader& s, Serving& v) {
  if (s.has("two_batch_overlap")) {
    if (s.has("overlap")) s.fail("two_batch_overlap", "give overlap or two_batch_overlap, not both");
    v.overlap = s.boolean("two_batch_overlap") ? "two_batch" : "none";
  }
  v.overlap = s.choice_or("overlap", {"none", "single_batch", "two_batch"}, v.overlap);
  read_graphs(s, v);
}

// The router, the batch policy, KV allocation and preemption, the prefix cache.
void read_scheduling(MapReader& s, Serving& v) {
  if (s.has("router")) {
    MapReader rt = s.child("router");
    v.router = rt.choice("type", router_names());
    rt.finish();
  }
  v.batch_policy = s.choice_or("batch_policy", batch_policy_names(), v.batch_policy);
  v.kv_allocation = s.choice_or("kv_allocation", {"reserve", "on_demand"}, v.kv_allocation);
  v.preemption = s.choice_or("preemption", {"recompute", "swap"}, v.preemption);
  if (v.preemption == "swap")
    v.swap_bandwidth_per_chip = s.quantity("swap_bandwidth_per_chip", Dimension::Bandwidth, 1);
  if (s.has("prefix_cache")) {
    MapReader pc = s.child("prefix_cache");
    v.prefix_cache.enabled = pc.boolean("enabled");
    if (pc.has("tier2")) {
      MapReader t = pc.child("tier2");
      v.prefix_cache.tier2_capacity_per_chip = t.quantity("capacity_per_chip", Dimension::Bytes, 0);
      v.prefix_cache.tier2_bandwidth_per_chip = t.quantity("bandwidth_per_chip", Dimension::Bandwidth, 1);
      t.finish();
    }
    pc.finish();
  }
}

Serving serving_from_yaml(MapReader& s, const Platform& platform) {
  Serving v;
  // Absent: the platform's whole cluster.
  v.chips = static_cast<int>(s.integer_or("chips", platform.cluster_chips, 1, 1 << 24));
  v.chips_per_instance = static_cast<int>(s.integer("chips_per_instance", 1, 1 << 20));
  v.attention_tp = static_cast<int>(s.integer_or("attention_tp", 1, 1, 1 << 10));
  v.expert_tp = static_cast<int>(s.integer_or("expert_tp", 1, 1, 1 << 10));
  v.max_seqs_per_chip = static_cast<int>(s.integer_or("max_seqs_per_chip", v.max_seqs_per_chip, 1, 1 << 20));
  v.token_budget_per_chip =
      static_cast<int>(s.integer_or("token_budget_per_chip", v.token_budget_per_chip, 1, 1 << 24));
  read_overlap(s, v);
  v.context_parallel = static_cast<int>(s.integer_or("context_parallel", 1, 1, 1 << 16));
  v.offload_weights = s.quantity_or("offload_weights", Dimension::Number, 0, 0, 1);
  v.frontend_latency = s.quantity_or("frontend_latency", Dimension::Time, 0, 0, 3600);
  if (v.offload_weights > 0 && platform.host_memory.capacity_per_chip == 0)
    s.fail("offload_weights", "platform " + platform.name + " describes no host_memory to offload to");
  read_experts(s, v);
  v.dispatch = s.choice_or("dispatch", {"hierarchical", "direct", "allgather"}, v.dispatch);
  v.node_limit = static_cast<int>(s.integer_or("node_limit", 0, 0, 1 << 20));
  if (v.node_limit > 0 && v.dispatch == "allgather")
    s.fail("node_limit", "limits the domains an all-to-all dispatch reaches; dispatch: allgather reaches every chip");
  if (s.has("mtp")) {
    MapReader m = s.child("mtp");
    v.mtp_draft_tokens = static_cast<int>(m.integer("draft_tokens", 0, 16));
    v.mtp_acceptance = m.quantity("acceptance", Dimension::Number, 0, 1);
    m.finish();
  }
  read_scheduling(s, v);
  if (v.chips % v.chips_per_instance != 0)
    s.fail("chips_per_instance", "must divide serving.chips (" + std::to_string(v.chips) + ")");
  if (v.chips_per_instance % v.attention_tp != 0)
    s.fail("attention_tp", "must divide chips_per_instance (" + std::to_string(v.chips_per_instance) + ")");
  if (v.chips_per_instance % v.expert_tp != 0)
    s.fail("expert_tp", "must divide chips_per_instance (" + std::to_string(v.chips_per_instance) + ")");
  if (v.expert_tp > 1 && v.attention_tp != v.chips_per_instance)
    s.fail("expert_tp", "is modelled with tensor-parallel attention over the whole instance (attention_tp = " +
                            std::to_string(v.chips_per_instance) + ")");
  const int ranks_per_domain = std::min(platform.scale_up.chips_per_domain, v.chips_per_instance) / v.attention_tp;
  if (v.context_parallel > std::max(ranks_per_domain, 1))
    s.fail("context_parallel", "exceeds the data-parallel ranks of one scale-up domain (" +
                                   std::to_string(std::max(ranks_per_domain, 1)) + ")");
  return v;
}

// The pools of `serving:`: one colocated pool, or a prefill and a decode pool, each with
// any serving key and optionally its own platform file (relative to the scenario). Keys
// beside them in `serving:` are defaults for both pools.
void read_pools(MapReader& r, const Origin& origin, const Platform& base_platform, const Model& base_model,
                Scenario* sc) {
  MapReader s = r.child("serving");
  if (!s.has("prefill") && !s.has("decode")) {
    sc->pools.push_back(read_pool(s, "colocated", base_platform, base_model));
    return;
  }
  const YAML::Node serving_node = r.node("serving");
  for (const char* role : {"prefill", "decode"}) {
    YAML::Node merged(YAML::NodeType::Map);
    for (const auto& kv : serving_node) {
      const std::string k = kv.first.Scalar();
      if (k == "prefill" || k == "decode") continue;
      s.node(k);  // read, as a default
      merged[k] = kv.second;
    }
    const YAML::Node own = s.node(role);
    if (!own.IsMap()) fail_at(own, origin, "serving." + std::string(role), "expected a mapping of serving keys");
    for (const auto& kv : own) merged[kv.first.Scalar()] = kv.second;
    MapReader p(merged, origin, "serving." + std::string(role));
    const Platform own_platform = p.has("platform") ? load_platform(p.file_at("platform")) : base_platform;
    sc->pools.push_back(read_pool(p, role, own_platform, base_model));
  }
  s.finish();
}

// The optional `pricing:`: one cost basis for every pool (else each platform's own).
void read_pricing(MapReader& r, Scenario* sc) {
  if (!r.has("pricing")) return;
  const std::string basis = r.choice("pricing", {"ownership", "rental"});
  for (PoolSpec& pool : sc->pools) {
    Cost& c = pool.platform.cost;
    if (basis == "rental" ? !c.has_rental : !c.has_ownership)
      r.fail("pricing",
             "platform " + pool.platform.name + " (" + pool.platform.file + ") gives no " + basis + " price");
    c.rental = basis == "rental";
  }
}

// The optional `failures:` and `simulation:` sections.
void read_run_options(MapReader& r, Scenario* sc) {
  if (r.has("failures")) {
    MapReader f = r.child("failures");
    sc->failures.mtbf_per_chip = f.quantity("mtbf_per_chip", Dimension::Time, 1);
    sc->failures.repair_time = f.quantity("repair_time", Dimension::Time, 0);
    sc->failures.max_retries = f.integer_or("max_retries", 3, 0, 1000);
    sc->failures.max_wait = f.quantity_or("max_wait", Dimension::Time, 600, 0);
    f.finish();
  }
  if (r.has("simulation")) {
    MapReader sim = r.child("simulation");
    sc->horizon = sim.quantity_or("horizon", Dimension::Time, 0, 0);
    sc->latency_cdf = sim.boolean_or("latency_cdf", false);
    sc->warmup = sim.quantity_or("warmup", Dimension::Time, 0, 0);
    sim.finish();
  }
}

// Checks across the pool's files: the caller's (perf/fit.h's: do the weights leave room
// for a KV cache?), then the prefix cache's place. Errors point at the pool's serving.
void check_pools(const YAML::Node& root, const Origin& origin, const PoolCheck& check, Scenario* sc) {
  const YAML::Node serving_node = root["serving"];
  for (PoolSpec& pool : sc->pools) {
    const std::string where = sc->disaggregated() ? "serving." + pool.role : "serving";
    pool.serving_at = locate(sc->disaggregated() ? serving_node[pool.role] : serving_node, origin, where);
    if (check) check(pool);
    if (pool.serving.prefix_cache.enabled && pool.role == "decode")
      pool.serving_at.fail("prefix caching belongs to the prefill pool");
  }
}

Scenario scenario_from_tree(const YAML::Node& root, const Origin& origin, const std::vector<Override>& overrides,
                            const PoolCheck& check) {
  Scenario sc;
  sc.file = origin.file;
  MapReader r(root, origin, "");
  sc.name = r.name("name");
  sc.seed = static_cast<uint64_t>(r.integer_or("seed", 1, 0));
  const Part platform = load_part(r, "platform", overrides);
  // The scenario's platform and model: each pool's unless it names its own platform or
  // precision.
  const Platform base_platform = platform_from_yaml(platform.tree, platform.origin, platform.stack_overrides);
  const Part model = load_part(r, "model", overrides);
  const Model base_model =
      model.tree.IsScalar() ? load_model(model.origin.file) : model_from_yaml(model.tree, model.origin);
  const Part workload = load_part(r, "workload", overrides);
  sc.workload = workload_from_yaml(workload.tree, workload.origin);
  // The fingerprint's text: the scenario in canonical form (config/canonical.h), its
  // files by their canonical contents, and what the workload reads by its bytes' hash.
  std::string resolved = canonical_text(root, true) + "\n" + canonical_text(platform.tree) + "\n" +
                         canonical_text(model.tree) + "\n" + canonical_text(workload.tree);
  for (const auto& o : platform.stack_overrides)
    resolved += "\n" + o.first + "=" + canonical_text(YAML::Node(o.second));
  for (const std::string& f : sc.workload.reads) resolved += "\n" + std::to_string(file_hash(f));
  if (!base_platform.stack_file.empty()) resolved += "\n" + canonical_file(base_platform.stack_file);
  if (model.tree.IsScalar()) resolved += "\n" + canonical_file(model.origin.file);
  read_pools(r, origin, base_platform, base_model, &sc);
  read_pricing(r, &sc);
  read_run_options(r, &sc);
  r.finish();

  for (const PoolSpec& pool : sc.pools)
    if (pool.platform.file != base_platform.file) resolved += "\n" + canonical_file(pool.platform.file);
  sc.fingerprint = fingerprint_of(resolved);
  check_pools(root, origin, check, &sc);
  return sc;
}

}  // namespace

int Scenario::total_chips() const {
  int n = 0;
  for (const auto& p : pools) n += p.serving.chips;
  return n;
}

PoolSpec read_pool(MapReader& s, const std::string& role, const Platform& platform, const Model& base) {
  PoolSpec pool{role, platform, base, serving_from_yaml(s, platform), Location{}};
  Serving& v = pool.serving;
  Model* model = &pool.model;
  // Expert parallelism over the chips of an instance: every chip holds the same number
  // of experts (routed + redundant replicas), as SGLang and DeepSeek's deployments require.
  if (model->routed_experts > 0) {
    const int n = v.chips_per_instance, e = model->routed_experts;
    if (v.redundant_experts_auto) v.redundant_experts = (n - e % n) % n;
    if ((e + v.redundant_experts) % n != 0) {
      const int fix = v.redundant_experts + (n - (e + v.redundant_experts) % n);
      s.fail(s.has("redundant_experts") ? "redundant_experts" : "chips_per_instance",
             std::to_string(e) + " routed + " + std::to_string(v.redundant_experts) +
                 " redundant experts do not divide evenly over the " + std::to_string(n) +
                 " chips of an instance (redundant_experts: " + std::to_string(fix) + " or auto would)");
    }
  }
  if (s.has("precision")) {  // serving precision overrides the model file's
    MapReader p = s.child("precision");
    override_precision(p, model);
  }
  s.finish();
  check_chip_precisions(*model, platform.chip, platform.file);
  return pool;
}

Override parse_override(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw ConfigError("--set", 0, 0, text, "expected key=value");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::string data_dir() {
  const char* env = std::getenv("STACKSIM_DATA");
  return env && *env ? env : STACKSIM_DATA_DIR;
}

namespace {

struct Variant {
  std::string name;
  std::vector<Override> sets;
};

// The scenario file's `variants:` (one unnamed variant when it has none).
std::vector<Variant> read_variants(const YAML::Node& base, const std::string& path) {
  std::vector<Variant> variants;
  if (base["variants"]) {
    YAML::Node list = base["variants"];
    if (!list.IsSequence() || list.size() == 0) fail_at(list, path, "variants", "expected a non-empty list");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string where = "variants[" + std::to_string(i) + "]";
      MapReader vr(list[i], path, where);
      Variant v;
      v.name = vr.name("name");
      for (const Variant& earlier : variants)
        if (earlier.name == v.name) vr.fail("name", "duplicate variant name \"" + v.name + "\"");
      if (vr.has("set")) {
        YAML::Node sets = vr.node("set");
        if (!sets.IsMap()) fail_at(sets, path, where + ".set", "expected a mapping of key: value overrides");
        MapReader(sets, path, where + ".set");  // a key given twice is an error, as everywhere
        for (const auto& kv : sets) {
          YAML::Emitter e;
          e << YAML::Flow << kv.second;
          v.sets.push_back({kv.first.Scalar(), e.c_str()});
        }
      }
      vr.finish();
      variants.push_back(std::move(v));
    }
  } else {
    variants.push_back({"", {}});
  }
  return variants;
}

}  // namespace

std::vector<Scenario> load_scenarios(const std::string& path, const std::vector<Override>& cli_overrides,
                                     const PoolCheck& check) {
  // Each variant parses the file afresh: yaml-cpp's Clone would drop the line numbers.
  const YAML::Node base = load_yaml_file(path);
  auto fresh = [&] { return load_yaml_file(path); };
  if (!base.IsMap()) fail_at(base, path, "(document)", "expected a mapping of keys");
  if (base["fleet"])
    fail_at(base["fleet"], path, "fleet", "a fleet file, not a scenario: run it with `stacksim fleet`");

  // Command-line paths for whole files are relative to the current directory (a whole
  // file given inline, platform={...}, is not a path).
  std::vector<Override> cli = cli_overrides;
  for (auto& o : cli) {
    if (is_subfile(o.first) && !o.second.empty() && o.second[0] != '/' && o.second[0] != '{' &&
        o.second.find('\n') == std::string::npos) {
      char cwd[4096];
      if (getcwd(cwd, sizeof cwd)) o.second = std::string(cwd) + "/" + o.second;
    }
  }

  const std::vector<Variant> variants = read_variants(base, path);

  std::vector<Scenario> out;
  for (const auto& v : variants) {
    YAML::Node tree = fresh();
    tree.remove("variants");
    std::vector<Override> all = v.sets;
    all.insert(all.end(), cli.begin(), cli.end());
    // Scenario-level keys: everything except keys reaching into platform/model/workload.
    std::vector<Override> top, sub;
    for (const auto& o : all) {
      const std::string first = split_key(o.first)[0];
      (is_subfile(first) && o.first.size() > first.size() ? sub : top).push_back(o);
    }
    Origin origin(path);
    apply_overrides(tree, top, "", &origin);
    Scenario sc = scenario_from_tree(tree, origin, sub, check);
    if (!v.name.empty()) sc.name = v.name;
    out.push_back(std::move(sc));
  }
  return out;
}

}  // namespace stacksim
