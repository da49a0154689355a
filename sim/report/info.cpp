#include "report/info.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <tuple>

#include "config/units.h"
#include "perf/perf_model.h"
#include "util/table.h"

namespace stacksim {

namespace {

nlohmann::json step_json(const std::string& label, const StepTime& t, double tokens_per_chip) {
  nlohmann::json j = {{"label", label},
                      {"total_s", t.total},
                      {"attention_s", t.attention},
                      {"ffn_s", t.ffn},
                      {"experts_s", t.experts},
                      {"dispatch_combine_s", t.comm},
                      {"overhead_s", t.overhead},
                      {"flops_limited_s", t.flops_limited},
                      {"tokens_per_s_per_chip", tokens_per_chip / t.total}};
  if (t.host > 0) j["host_stream_s"] = t.host;   // only with offloaded weights
  if (t.issue > 0) j["host_issue_s"] = t.issue;  // only in eager steps
  return j;
}

nlohmann::json model_json(const Model& m) {
  nlohmann::json j = {{"name", m.name},
                      {"total_params", m.total_params()},
                      {"active_params", m.active_params()},
                      {"routed_experts", m.routed_experts},
                      {"weights", precision_name(m.weights)},
                      {"weight_bytes", m.weight_bytes()},
                      {"kv_cache", precision_name(m.kv_cache)},
                      {"kv_bytes_per_token", m.kv_bytes_per_token()},
                      {"max_context", m.max_context}};
  if (m.attention.sliding.layers > 0)
    j["sliding_window"] = {{"layers", m.attention.sliding.layers},
                           {"window", m.attention.sliding.window},
                           {"kv_bytes_per_token", m.sliding_bytes_per_token()}};
  if (!m.weight_parts.uniform()) {
    const Model::WeightParts& w = m.weight_parts;
    j["weight_parts"] = {{"attention", precision_name(w.attention)},
                         {"dense", precision_name(w.dense)},
                         {"shared", precision_name(w.shared)},
                         {"routed", precision_name(w.routed)},
                         {"head", precision_name(w.head)}};
  }
  return j;
}

nlohmann::json platform_json(const Platform& p, const Model& m) {
  nlohmann::json peaks = nlohmann::json::object();
  for (const auto& [prec, f] : p.chip.flops) peaks[precision_name(prec)] = f;
  nlohmann::json j = {{"name", p.name},
                      {"chip", p.chip.name},
                      {"stack", p.stack.name},
                      {"peak_flops_per_chip", peaks},
                      {"activation_peak_flops_per_chip", p.chip.peak(m.activations)},
                      {"activations", precision_name(m.activations)},
                      {"hbm_bytes", p.chip.hbm_capacity},
                      {"hbm_bytes_per_s", p.chip.hbm_bandwidth},
                      {"scale_up_chips", p.scale_up.chips_per_domain},
                      {"scale_up_bytes_per_s", p.scale_up.bandwidth_per_chip},
                      {"nic_bytes_per_s", p.scale_out.nic_bandwidth_per_chip},
                      {"cluster_chips", p.cluster_chips}};
  // A link's fabric, and what it delivers relative to the fabric its stack was fitted on.
  for (const auto& [key, fabric, efficiency] : {std::tuple{"scale_up", p.scale_up.fabric, p.scale_up.efficiency},
                                                std::tuple{"scale_out", p.scale_out.fabric, p.scale_out.efficiency}})
    if (!fabric.empty()) j[std::string(key) + "_fabric"] = {{"fabric", fabric}, {"efficiency", efficiency}};
  // A stack carried over from another generation says so (an assumption, not a fit).
  if (p.host_memory.capacity_per_chip > 0) {
    j["host_memory"] = p.host_memory.name;
    j["host_bytes_per_chip"] = p.host_memory.capacity_per_chip;
    j["host_bytes_per_s_per_chip"] = p.host_memory.bandwidth_per_chip;
  }
  if (!p.stack.inherits.empty())
    j["stack_inherits"] = {{"stack", p.stack.inherits}, {"because", p.stack.inherited_because}};
  return j;
}

nlohmann::json memory_json(const PoolSpec& pool, const MemoryPlan& mem) {
  const double weight_bytes = pool.model.weight_bytes();
  const double usable = pool.platform.chip.hbm_capacity - pool.platform.stack.hbm_reserved;
  nlohmann::json j = {{"weights_per_chip", mem.weights_per_chip},
                      {"reserved_per_chip", pool.platform.stack.hbm_reserved},
                      {"kv_bytes_per_chip", mem.kv_bytes_per_chip},
                      {"kv_tokens_per_rank", mem.kv_tokens_per_rank},
                      {"kv_tokens_per_instance", mem.kv_tokens_per_instance},
                      // The fewest chips whose usable HBM holds one copy of the weights, KV aside.
                      {"min_chips_for_weights", usable > 0 ? std::ceil(weight_bytes / usable) : 0.0}};
  if (pool.serving.offload_weights > 0) j["host_weights_per_chip"] = mem.tiers.at(1).use("weights");
  if (mem.kv_window > 0) {
    j["kv_window"] = mem.kv_window;
    j["kv_window_ratio"] = mem.kv_window_ratio;
  }
  return j;
}

// Step times at decode batches of 1, 16, 64 and the limit per rank (4k context), and a
// prefill step of one token budget per rank.
nlohmann::json steps_json(const Serving& s, const PerfModel& pm) {
  nlohmann::json steps = nlohmann::json::array();
  const double ctx = 4096, dp = s.dp_ranks(), tp = s.attention_tp;
  for (int b : std::set<int>{1, 16, 64, s.max_seqs_per_chip}) {
    BatchShape d;
    d.decode_seqs = static_cast<int64_t>(b * dp);
    d.decode_kv_tokens = double(d.decode_seqs) * ctx;
    nlohmann::json st = step_json("decode " + std::to_string(b) + " seq/rank, 4k context", pm.step_time(d),
                                  b * pm.tokens_per_step() / tp);
    st["kind"] = "decode";
    st["seqs_per_rank"] = b;
    steps.push_back(st);
  }
  BatchShape pf;
  const int64_t chunk = s.token_budget_per_chip;
  pf.prefill_tokens = static_cast<int64_t>(chunk * dp);
  pf.max_chunk = chunk;
  pf.prefill_attn_pairs = double(pf.prefill_tokens) * double(chunk + 1) / 2;
  pf.prefill_seqs_done = static_cast<int64_t>(dp);
  nlohmann::json st =
      step_json("prefill " + std::to_string(chunk) + "-token prompts", pm.step_time(pf), double(chunk) / tp);
  st["kind"] = "prefill";
  st["tokens_per_rank"] = chunk;
  steps.push_back(st);
  return steps;
}

// One pool's model, platform, serving, memory and step times.
nlohmann::json describe_pool(const PoolSpec& pool) {
  const Serving& s = pool.serving;
  const PerfModel pm(pool.model, pool.platform, s);
  return {{"model", model_json(pool.model)},
          {"platform", platform_json(pool.platform, pool.model)},
          {"serving",
           {{"chips", s.chips},
            {"instances", s.instances()},
            {"chips_per_instance", s.chips_per_instance},
            {"dp_ranks", s.dp_ranks()},
            {"attention_tp", s.attention_tp},
            {"expert_tp", s.expert_tp},
            {"routing", s.routing.type},
            {"eplb", s.routing.eplb},
            {"routing_imbalance", pm.routing_imbalance()}}},
          {"memory", memory_json(pool, pm.memory())},
          {"steps", steps_json(s, pm)}};
}

// How routed tokens spread over the expert-parallel ranks (MoE models only).
void print_routing(const nlohmann::json& m, const nlohmann::json& s) {
  if (m["routed_experts"].get<int>() == 0) return;
  const std::string type = s["routing"].get<std::string>();
  if (type == "balanced") {
    std::printf("routing: balanced; every rank gets its mean share of the routed load\n");
    return;
  }
  const std::string how =
      type == "measured" ? std::string("the measured law, ") + (s["eplb"].get<bool>() ? "with" : "without") + " EPLB"
                         : type;
  std::printf("routing: %s; busiest rank %.3fx the mean routed load, plus the excess of a finite batch\n", how.c_str(),
              s["routing_imbalance"].get<double>());
}

// The serving layout, and how routed tokens spread over its expert-parallel ranks.
void print_serving(const nlohmann::json& m, const nlohmann::json& s) {
  const int tp = s["attention_tp"].get<int>();
  const int etp = s["expert_tp"].get<int>();
  const std::string ep = m["routed_experts"].get<int>() > 0
                             ? "EP" + std::to_string(s["chips_per_instance"].get<int>() / etp) +
                                   (etp > 1 ? " x expert TP" + std::to_string(etp) : std::string()) + ", "
                             : std::string();
  std::printf("serving: %d chips = %d instances x %d (%sattention DP%d x TP%d)\n", s["chips"].get<int>(),
              s["instances"].get<int>(), s["chips_per_instance"].get<int>(), ep.c_str(), s["dp_ranks"].get<int>(), tp);
  print_routing(m, s);
}

// The model line: sizes, weight precisions, KV per token (and per window token).
void print_model(const nlohmann::json& m) {
  std::string weights = m["weights"].get<std::string>();
  if (m.contains("weight_parts")) {
    const auto& w = m["weight_parts"];
    weights = "attention " + w["attention"].get<std::string>() + ", dense " + w["dense"].get<std::string>() +
              ", shared " + w["shared"].get<std::string>() + ", routed " + w["routed"].get<std::string>() + ", head " +
              w["head"].get<std::string>();
  }
  std::string window;
  if (m.contains("sliding_window")) {
    const auto& w = m["sliding_window"];
    window = strprintf(" + %.1f KB for each of a sequence's last %d tokens (%d sliding-window layers)",
                       w["kv_bytes_per_token"].get<double>() / 1e3, w["window"].get<int>(), w["layers"].get<int>());
  }
  std::printf("model %s: %.1fB total, %.2fB active parameters; weights %s (%s); KV %.1f KB per token%s (%s)\n",
              m["name"].get<std::string>().c_str(), m["total_params"].get<double>() / 1e9,
              m["active_params"].get<double>() / 1e9, format_bytes(m["weight_bytes"].get<double>()).c_str(),
              weights.c_str(), m["kv_bytes_per_token"].get<double>() / 1e3, window.c_str(),
              m["kv_cache"].get<std::string>().c_str());
}

void print_pool(const nlohmann::json& j) {
  const auto& m = j["model"];
  const auto& p = j["platform"];
  const auto& s = j["serving"];
  const auto& mem = j["memory"];
  print_model(m);
  std::printf("platform %s: %s, %.0f TFLOPS %s, HBM %s at %s/s; scale-up %d chips at %s/s; NIC %s/s; %s\n",
              p["name"].get<std::string>().c_str(), p["chip"].get<std::string>().c_str(),
              p["activation_peak_flops_per_chip"].get<double>() / 1e12, p["activations"].get<std::string>().c_str(),
              format_bytes(p["hbm_bytes"].get<double>()).c_str(),
              format_bytes(p["hbm_bytes_per_s"].get<double>()).c_str(), p["scale_up_chips"].get<int>(),
              format_bytes(p["scale_up_bytes_per_s"].get<double>()).c_str(),
              format_bytes(p["nic_bytes_per_s"].get<double>()).c_str(), p["stack"].get<std::string>().c_str());
  if (p.contains("stack_inherits"))
    std::printf("  stack inherits %s: %s\n", p["stack_inherits"]["stack"].get<std::string>().c_str(),
                p["stack_inherits"]["because"].get<std::string>().c_str());
  print_serving(m, s);
  const int tp = s["attention_tp"].get<int>();
  std::printf("memory per chip: weights %s, reserved %s, KV cache %s = %lld tokens per rank, %lld per instance\n",
              format_bytes(mem["weights_per_chip"].get<double>()).c_str(),
              format_bytes(mem["reserved_per_chip"].get<double>()).c_str(),
              format_bytes(mem["kv_bytes_per_chip"].get<double>()).c_str(),
              static_cast<long long>(mem["kv_tokens_per_rank"].get<int64_t>()),
              static_cast<long long>(mem["kv_tokens_per_instance"].get<int64_t>()));
  if (mem.contains("kv_window"))
    std::printf(
        "  KV tokens count the global layers; a sequence also holds %.2f token-equivalents for each of "
        "its last %lld tokens (sliding window)\n",
        mem["kv_window_ratio"].get<double>(), static_cast<long long>(mem["kv_window"].get<int64_t>()));
  if (mem.contains("host_weights_per_chip"))
    std::printf("  of the weights, %s per chip live in host memory (%s) and stream to HBM every step\n",
                format_bytes(mem["host_weights_per_chip"].get<double>()).c_str(),
                j["platform"]["host_memory"].get<std::string>().c_str());
  std::printf("step times (busiest chip; a data-parallel rank spans %d chip%s; FLOP-bound share of compute):\n", tp,
              tp > 1 ? "s" : "");
  for (const auto& st : j["steps"]) {
    const double compute = st["attention_s"].get<double>() + st["ffn_s"].get<double>() + st["experts_s"].get<double>();
    std::printf(
        "  %-34s %9.2f ms  (attention %.2f, ffn %.2f, experts %.2f, dispatch/combine %.2f, overhead %.2f;"
        " %3.0f%% FLOP-bound)  %8.0f tok/s/chip\n",
        st["label"].get<std::string>().c_str(), st["total_s"].get<double>() * 1e3,
        st["attention_s"].get<double>() * 1e3, st["ffn_s"].get<double>() * 1e3, st["experts_s"].get<double>() * 1e3,
        st["dispatch_combine_s"].get<double>() * 1e3, st["overhead_s"].get<double>() * 1e3,
        compute > 0 ? 100 * st["flops_limited_s"].get<double>() / compute : 0.0,
        st["tokens_per_s_per_chip"].get<double>());
    if (st.contains("host_stream_s"))
      std::printf("  %-34s    (the step waits for the host stream of the offloaded weights: %.2f ms)\n", "",
                  st["host_stream_s"].get<double>() * 1e3);
    if (st.contains("host_issue_s")) {
      const double issue = st["host_issue_s"].get<double>();
      const bool sets = issue + st["overhead_s"].get<double>() >= st["total_s"].get<double>();
      std::printf("  %-34s    (eager, no graph: the host issues the step's kernels in %.2f ms%s)\n", "", issue * 1e3,
                  sets ? ", longer than the device's work: it sets the step" : "");
    }
  }
}

}  // namespace

nlohmann::json describe(const Scenario& sc) {
  if (!sc.disaggregated()) {
    nlohmann::json j = describe_pool(sc.pools[0]);
    j["scenario"] = sc.name;
    return j;
  }
  nlohmann::json pools = nlohmann::json::array();
  for (const PoolSpec& pool : sc.pools) {
    nlohmann::json p = describe_pool(pool);
    p["role"] = pool.role;
    pools.push_back(p);
  }
  return {{"scenario", sc.name}, {"pools", pools}};
}

void print_description(const nlohmann::json& j) {
  std::printf("== %s\n", j["scenario"].get<std::string>().c_str());
  if (!j.contains("pools")) return print_pool(j);
  for (const auto& p : j["pools"]) {
    std::printf("-- %s pool\n", p["role"].get<std::string>().c_str());
    print_pool(p);
  }
}

}  // namespace stacksim
