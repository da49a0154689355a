#include "validate/validation.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>

#include "config/part.h"
#include "config/stack_params.h"

namespace stacksim {

std::map<std::string, double> evaluate_pool(const Model& model, const Platform& platform, const Serving& serving,
                                            const Pool& pool) {
  const PerfModel pm(model, platform, serving);
  const double chips = serving.chips_per_instance, ranks = serving.dp_ranks();
  std::map<std::string, double> out;
  BatchShape b;
  if (pool.phase == "prefill") {
    // Each rank processes tokens_per_chip * tp tokens: whole prompts of input_tokens.
    const int64_t per_rank = pool.tokens_per_chip * serving.attention_tp;
    const int64_t prompts = std::max<int64_t>(1, per_rank / pool.input_tokens);
    const double L = double(std::min(pool.input_tokens, per_rank));
    b.prefill_tokens = static_cast<int64_t>(per_rank * ranks);
    b.max_chunk = static_cast<int64_t>(L);
    b.prefill_attn_pairs = double(prompts) * ranks * L * (L + 1) / 2;
    b.prefill_seqs_done = static_cast<int64_t>(prompts * ranks);
    const double t = pm.step_time(b).total;
    out["input_tokens_per_s_per_chip"] = double(b.prefill_tokens) / chips / t;
    // A prompt longer than a rank's forward pass takes that many steps (chunked prefill).
    const double chunks = std::ceil(double(pool.input_tokens) / double(per_rank));
    out["ttft_ms"] = chunks * t * 1e3;
  } else {
    b.decode_seqs = std::llround(pool.batch_per_chip * chips);
    b.decode_kv_tokens = double(b.decode_seqs) * double(pool.kv_tokens);
    const double t = pm.step_time(b).total;
    out["output_tokens_per_s_per_chip"] = double(pool.batch_per_chip) * pm.tokens_per_step() / t;
    out["tpot_ms"] = t / pm.tokens_per_step() * 1e3;
  }
  return out;
}

std::map<std::string, double> read_tolerance(MapReader& r, const std::map<std::string, double>& measured) {
  std::map<std::string, double> out;
  if (r.node("tolerance").IsScalar()) {
    const double t = r.quantity("tolerance", Dimension::Number, 0, 1);
    for (const auto& m : measured) out[m.first] = t;
    return out;
  }
  MapReader t = r.child("tolerance");
  for (const auto& m : measured) out[m.first] = t.quantity(m.first, Dimension::Number, 0, 1);
  t.finish();
  return out;
}

namespace {

// The pool's sequences must fit one data-parallel rank's KV cache: a measurement at a
// batch the layout cannot hold would be compared with a step that could not run.
void check_kv_fits(const ValidationCase& c, MapReader& r) {
  const MemoryPlan mem = memory_plan(c.model, c.platform, c.serving);
  if (mem.kv_bytes_per_chip <= 0) r.fail("serving", "the model does not fit in HBM with this layout");
  const int64_t tp = c.serving.attention_tp;
  const bool prefill = c.pool.phase == "prefill";
  // Prefill: the rank's prompt tokens of one forward pass; decode: its sequences' contexts.
  const auto need = prefill ? mem.held_tokens(c.pool.tokens_per_chip * tp)
                            : std::llround(c.pool.batch_per_chip * tp) * mem.held_tokens(c.pool.kv_tokens);
  if (need <= mem.kv_tokens_per_rank) return;
  MapReader p = r.child("pool");
  p.fail(prefill ? "tokens_per_chip" : "batch_per_chip",
         std::to_string(need) + " KV tokens per data-parallel rank do not fit its KV cache of " +
             std::to_string(mem.kv_tokens_per_rank) + " tokens with this layout");
}

}  // namespace

std::vector<Override> read_case_overrides(MapReader& r, const std::vector<std::string>& prefixes) {
  std::vector<Override> out;
  if (!r.has("set")) return out;
  const YAML::Node s = r.node("set");
  if (!s.IsMap()) fail_at(s, r.origin(), r.path_of("set"), "expected a mapping of key: value");
  MapReader(s, r.origin(), r.path_of("set"));  // a key given twice is an error, as everywhere
  for (const auto& kv : s) {
    const std::string key = kv.first.Scalar();
    const auto starts = [&](const std::string& p) { return key.compare(0, p.size(), p) == 0; };
    if (!prefixes.empty() && std::none_of(prefixes.begin(), prefixes.end(), starts))
      fail_at(kv.first, r.origin(), "set." + key,
              "a steady-state case overrides platform.* and model.* keys (its serving and pool are its own)");
    for (const StackParam& p : calibrated_stack_params())
      if (key == std::string("platform.stack.") + p.name)
        fail_at(kv.first, r.origin(), "set." + key,
                "is fitted by stacksim calibrate over every case of the stack: a case cannot fix it");
    std::string value = kv.second.IsScalar() ? kv.second.Scalar() : YAML::Dump(kv.second);
    if ((key == "platform" || key == "model" || key == "workload") && kv.second.IsScalar())
      value = resolve_path(value, r.file());
    out.push_back({key, value});
  }
  return out;
}

ValidationCase load_case(const std::string& path) {
  ValidationCase c;
  c.file = path;
  const YAML::Node root = load_yaml_file(path);
  MapReader r(root, path, "");
  c.id = r.str("case");
  c.source = r.str("source");
  r.choice_or("kind", {"steady_state"}, "steady_state");
  const std::vector<Override> sets = read_case_overrides(r, {"platform.", "model."});
  const std::string via = path + " set";  // errors: "case.yaml set: key: ..."
  const Part platform = load_part(r, "platform", sets, via);
  c.platform = platform_from_yaml(platform.tree, platform.origin, platform.stack_overrides);
  const Part model = load_part(r, "model", sets, via);
  c.model = model.tree.IsScalar() ? load_model(model.origin.file) : model_from_yaml(model.tree, model.origin);
  MapReader s = r.child("serving");
  const PoolSpec pool = read_pool(s, "colocated", c.platform, c.model);
  c.model = pool.model;
  c.serving = pool.serving;
  MapReader p = r.child("pool");
  c.pool.phase = p.choice("phase", {"prefill", "decode"});
  if (c.pool.phase == "prefill") {
    c.pool.tokens_per_chip = p.integer("tokens_per_chip", 1);
    c.pool.input_tokens = p.integer("input_tokens", 1);
  } else {
    // Sequences per chip, or per data-parallel rank (a tensor-parallel rank of tp chips
    // holding fewer sequences than chips: batch 1 on 8 chips).
    if (p.has("batch_per_rank")) {
      if (p.has("batch_per_chip")) p.fail("batch_per_rank", "give batch_per_chip or batch_per_rank, not both");
      c.pool.batch_per_chip = double(p.integer("batch_per_rank", 1)) / c.serving.attention_tp;
    } else {
      c.pool.batch_per_chip = double(p.integer("batch_per_chip", 1));
    }
    c.pool.kv_tokens = p.integer("kv_tokens", 0);
  }
  p.finish();
  MapReader m = r.child("measured");
  const std::vector<std::string> metrics = c.pool.phase == "prefill"
                                               ? std::vector<std::string>{"input_tokens_per_s_per_chip", "ttft_ms"}
                                               : std::vector<std::string>{"output_tokens_per_s_per_chip", "tpot_ms"};
  for (const auto& k : metrics)
    if (m.has(k)) c.measured[k] = m.quantity(k, Dimension::Number, 1e-9);
  m.finish();
  if (c.measured.empty()) r.fail("measured", "no metric this phase can check (" + metrics[0] + " ...)");
  c.tolerance = read_tolerance(r, c.measured);
  r.finish();
  check_kv_fits(c, r);
  return c;
}

std::vector<std::string> case_files(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& path : paths) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) throw ConfigError(path, 0, 0, "", "no such file or directory");
    if (!S_ISDIR(st.st_mode)) {
      out.push_back(path);
      continue;
    }
    std::vector<std::string> files;
    if (DIR* d = opendir(path.c_str())) {
      while (dirent* e = readdir(d)) {
        const std::string n = e->d_name;
        if (n.size() > 5 && n.substr(n.size() - 5) == ".yaml") files.push_back(path + "/" + n);
      }
      closedir(d);
    }
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
  }
  return out;
}

bool is_end_to_end_case(const std::string& path) {
  const YAML::Node root = load_yaml_file(path);
  return root.IsMap() && root["kind"] && root["kind"].IsScalar() && root["kind"].Scalar() == "end_to_end";
}

std::vector<ValidationCase> load_cases(const std::vector<std::string>& paths) {
  std::vector<ValidationCase> out;
  for (const auto& f : case_files(paths))
    if (!is_end_to_end_case(f)) out.push_back(load_case(f));
  return out;
}

std::vector<ValidationRow> validate(const std::vector<ValidationCase>& cases) {
  std::vector<ValidationRow> rows;
  for (const auto& c : cases) {
    const auto sim = evaluate_pool(c.model, c.platform, c.serving, c.pool);
    for (const auto& [metric, measured] : c.measured)
      rows.push_back({c.id, c.platform.name, metric, sim.at(metric), measured, c.tolerance.at(metric)});
  }
  return rows;
}

}  // namespace stacksim
