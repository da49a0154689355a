// What a confirmed deployment becomes outside stacksim: a scenario file that `stacksim
// run` reproduces, and the SGLang server arguments that would launch it.
#include <filesystem>

#include "config/error.h"
#include "sweep/plan.h"
#include "util/table.h"

namespace fs = std::filesystem;

namespace stacksim {

namespace {

// `path` (absolute, or relative to `from_file`; to the working directory when that is
// "") relative to the directory of `to_file`.
std::string rebase(const std::string& path, const std::string& from_file, const std::string& to_file) {
  const fs::path abs = fs::absolute(from_file.empty() ? path : resolve_path(path, from_file)).lexically_normal();
  const fs::path dir = fs::absolute(fs::path(to_file)).parent_path().lexically_normal();
  return abs.lexically_relative(dir).generic_string();
}

bool is_file_key(const std::string& k) { return k == "platform" || k == "model" || k == "workload"; }

}  // namespace

std::string winner_scenario(const Plan& plan, const PlanResult& r, size_t c, size_t f, const std::string& out_file) {
  const Finalist& fin = r.finalists[c][f];
  const PlanProbe& p = fin.probes.at(size_t(fin.best));
  YAML::Node tree = load_yaml_file(plan.base);
  if (tree["variants"]) tree.remove("variants");
  for (const char* k : {"platform", "model", "workload"})
    if (tree[k] && tree[k].IsScalar()) tree[k] = rebase(tree[k].Scalar(), plan.base, out_file);
  std::vector<Override> o =
      deployment_overrides(plan, fin.deployment, p.first, p.decode, p.summary.steady_state.start_s);
  YAML::Node set(YAML::NodeType::Map);
  for (const auto& [k, v] : o) {
    YAML::Node value = YAML::Load(v);
    // Override values hold paths already resolved (relative to the working directory).
    if (is_file_key(k)) value = rebase(v, "", out_file);
    if (value.IsMap() && value["platform"]) value["platform"] = rebase(value["platform"].Scalar(), "", out_file);
    set[k] = value;
  }
  YAML::Node variant(YAML::NodeType::Map);
  variant["name"] = p.summary.scenario;
  variant["set"] = set;
  tree["variants"].push_back(variant);
  YAML::Emitter e;
  e << tree;
  return "# Written by `stacksim plan " + fs::path(plan.file).filename().string() + "`: the cheapest deployment of " +
         plan.candidates[c].name + " it confirmed.\n# `stacksim run` on this file reproduces the plan's figures.\n" +
         e.c_str() + "\n";
}

std::string sglang_args(const Deployment& d, const std::string& role, const std::string& model, bool npu) {
  const PoolChoice& pool = role == "decode" ? d.decode : d.first;
  const Layout& l = pool.layout;
  const int dp = l.chips_per_instance / l.attention_tp;
  std::string a = "python -m sglang.launch_server --model-path " + model;
  a += " --tp-size " + std::to_string(l.chips_per_instance);
  if (dp > 1) a += " --enable-dp-attention --dp-size " + std::to_string(dp);
  if (l.chips_per_instance > 1) a += " --ep-size " + std::to_string(l.chips_per_instance) + " --moe-a2a-backend deepep";
  if (l.redundant_experts > 0)  // simulated with EPLB and this many replicas
    a += " --enable-eplb --ep-num-redundant-experts " + std::to_string(l.redundant_experts);
  if (role != "decode")  // SGLang's chunk size is the instance's, shared by its DP ranks
    a += " --chunked-prefill-size " + std::to_string(int64_t(l.token_budget_per_chip) * dp);
  if (role != "prefill") a += " --max-running-requests " + std::to_string(int64_t(l.max_seqs_per_chip) * dp);
  if (l.overlap == "two_batch") a += " --enable-two-batch-overlap";
  if (l.overlap == "single_batch") a += " --enable-single-batch-overlap";
  if (l.mtp_draft_tokens > 0)
    a += " --speculative-algorithm EAGLE --speculative-num-steps " + std::to_string(l.mtp_draft_tokens) +
         " --speculative-eagle-topk 1 --speculative-num-draft-tokens " + std::to_string(l.mtp_draft_tokens + 1);
  if (role == "prefill" || role == "decode") a += " --disaggregation-mode " + role;
  if (npu) a += " --device npu --attention-backend ascend";
  if (l.context_parallel > 1)
    a += "  # context parallelism " + std::to_string(l.context_parallel) + ": no SGLang flag is assumed for it";
  if (!l.precision.empty()) a += "  # precision " + l.precision + ": a checkpoint quantized so, not a flag";
  return a;
}

std::string describe(const Layout& l) {
  std::string s = "EP" + std::to_string(l.chips_per_instance) + " TP" + std::to_string(l.attention_tp);
  if (l.context_parallel > 1) s += " CP" + std::to_string(l.context_parallel);
  s += " seqs " + std::to_string(l.max_seqs_per_chip) + " budget " + std::to_string(l.token_budget_per_chip) + " " +
       l.overlap;
  if (l.mtp_draft_tokens > 0) s += " MTP" + std::to_string(l.mtp_draft_tokens);
  if (l.redundant_experts > 0) s += " +" + std::to_string(l.redundant_experts) + " experts";
  if (!l.precision.empty()) s += " precision " + l.precision;
  return s;
}

}  // namespace stacksim
