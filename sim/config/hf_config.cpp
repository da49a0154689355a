// The Hugging Face config.json importer (config/model.h: model_from_hf_config).
#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <vector>

#include "config/model.h"
#include "util/io.h"
#include "util/json_text.h"

namespace stacksim {

namespace {

// A Hugging Face config.json, read strictly: every error names the file, the line and
// column of the key (nlohmann::json keeps no positions, so the key is found in the text).
class HfConfig {
 public:
  explicit HfConfig(std::string path) : path_(std::move(path)) {
    std::string why;
    if (!read_text(path_, &text_, &why)) throw ConfigError(path_, 0, 0, "", unreadable(why));
    try {
      j_ = parse_checking_duplicates();
    } catch (const nlohmann::json::parse_error& e) {
      const auto [line, col] = line_col(e.byte > 0 ? e.byte - 1 : 0);
      std::string what = e.what();
      const size_t colon = what.find(": ", what.find("parse error"));
      throw ConfigError(path_, line, col, "",
                        "JSON syntax error: " + (colon == std::string::npos ? what : what.substr(colon + 2)));
    } catch (const nlohmann::json::exception& e) {
      // A number beyond double's range ("1e999"): out_of_range.406 names the literal.
      const std::string what = e.what();
      const size_t q = what.find('\'');
      const std::string literal = q == std::string::npos ? "" : what.substr(q + 1, what.find('\'', q + 1) - q - 1);
      const size_t at = literal.empty() ? std::string::npos : text_.find(literal);
      const auto [line, col] = line_col(at == std::string::npos ? 0 : at);
      throw ConfigError(path_, line, col, "", "JSON number out of range: " + (literal.empty() ? what : literal));
    }
    if (!j_.is_object()) throw ConfigError(path_, 1, 1, "", "expected a JSON object");
    // Multimodal configs (Llama 4) keep the language model under text_config.
    auto tc = j_.find("text_config");
    if (tc != j_.end() && tc->is_object()) {
      prefix_ = "text_config.";
      from_ = key_offset("text_config", 0);
      outer_ = j_;
      j_ = nlohmann::json(*tc);
    }
  }

  bool has(const std::string& key) const {
    auto it = j_.find(key);
    return it != j_.end() && !it->is_null();
  }
  // Marks `key` as understood without reading its value (e.g. a size no layer uses).
  void understood(const std::string& key) const { read_.insert(key); }
  // Every key that is present is read, understood, or known not to change the parameters
  // or the KV cache: anything else could, and is refused rather than ignored.
  void finish(const std::set<std::string>& irrelevant) const {
    for (const auto& kv : j_.items())
      if (!kv.value().is_null() && !read_.count(kv.key()) && !irrelevant.count(kv.key()))
        fail(kv.key(),
             "a key stacksim does not know: it could change the parameters or the KV cache, so it is "
             "not ignored (sim/config/hf_config.cpp lists the keys read and those known not to matter)");
    for (const auto& kv : outer_.items())
      if (!kv.value().is_null() && kv.key() != "text_config" && !irrelevant.count(kv.key())) {
        const size_t at = key_offset(kv.key(), 0);
        const auto [line, col] = line_col(at == std::string::npos ? 0 : at);
        throw ConfigError(path_, line, col, kv.key(),
                          kv.key() == "vision_config"
                              ? "a vision encoder: stacksim simulates the language model (text_config) only"
                              : "a key stacksim does not know beside text_config: it could change the model");
      }
  }
  // A list of whole numbers in [min, max], or of strings.
  std::vector<int> int_list(const std::string& key, int min, int max) const {
    const nlohmann::json& v = value(key);
    std::vector<int> out;
    if (!v.is_array()) fail(key, "expected a list of whole numbers, found " + json_text(v));
    for (const auto& x : v) {
      if (!x.is_number_integer() || x.get<long long>() < min || x.get<long long>() > max)
        fail(key, "expected whole numbers from " + std::to_string(min) + " to " + std::to_string(max) + ", found " +
                      json_text(x));
      out.push_back(x.get<int>());
    }
    return out;
  }
  std::vector<std::string> str_list(const std::string& key) const {
    const nlohmann::json& v = value(key);
    std::vector<std::string> out;
    if (!v.is_array()) fail(key, "expected a list of strings, found " + json_text(v));
    for (const auto& x : v) {
      if (!x.is_string()) fail(key, "expected a list of strings, found " + json_text(x));
      out.push_back(x.get<std::string>());
    }
    return out;
  }
  std::string str(const std::string& key) const {
    const nlohmann::json& v = value(key);
    if (!v.is_string()) fail(key, "expected a string, found " + json_text(v));
    return v.get<std::string>();
  }

  // A whole number in [min, 2^30], or `def` when absent and def >= 0.
  int integer(const std::string& key, int def = -1, int min = 0) const {
    if (!has(key)) {
      if (def >= 0) return def;
      throw ConfigError(path_, 1, 1, prefix_ + key, "missing required key");
    }
    const nlohmann::json& v = value(key);
    if (!v.is_number_integer() || v.get<long long>() < min || v.get<long long>() > (1LL << 30))
      fail(key, "expected a whole number from " + std::to_string(min) + " to 2^30, found " + json_text(v));
    return v.get<int>();
  }

  bool boolean(const std::string& key, bool def) const {
    if (!has(key)) return def;
    const nlohmann::json& v = value(key);
    if (!v.is_boolean()) fail(key, "expected true or false, found " + json_text(v));
    return v.get<bool>();
  }

  // Throws located at `key` (at the start of the file when key is empty or not found).
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    const size_t at = key.empty() ? std::string::npos : key_offset(key, from_);
    if (at == std::string::npos) throw ConfigError(path_, 1, 1, key.empty() ? "" : prefix_ + key, what);
    const auto [line, col] = line_col(at);
    throw ConfigError(path_, line, col, prefix_ + key, what);
  }

 private:
  const nlohmann::json& value(const std::string& key) const {
    read_.insert(key);
    return j_.at(key);
  }
  // Parses the text, refusing a key given twice in one object (a JSON reader keeps one of
  // them; which one is not the reader's choice to make): located at its second occurrence.
  nlohmann::json parse_checking_duplicates() const {
    std::vector<std::set<std::string>> objects;
    std::map<std::string, int> occurrences;  // keys are met in the order of the text
    std::string duplicate;
    int nth = 0;
    auto cb = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
      if (event == nlohmann::json::parse_event_t::object_start) objects.emplace_back();
      if (event == nlohmann::json::parse_event_t::object_end && !objects.empty()) objects.pop_back();
      if (event == nlohmann::json::parse_event_t::key && !objects.empty()) {
        const std::string k = parsed.get<std::string>();
        const int n = ++occurrences[k];
        if (duplicate.empty() && !objects.back().insert(k).second) {
          duplicate = k;
          nth = n;
        }
      }
      return true;
    };
    nlohmann::json j = nlohmann::json::parse(text_, cb);
    if (!duplicate.empty()) {
      size_t at = std::string::npos;
      for (int i = 0; i < nth; ++i) at = key_offset(duplicate, at == std::string::npos ? 0 : at + 1);
      const auto [line, col] = line_col(at == std::string::npos ? 0 : at);
      throw ConfigError(path_, line, col, duplicate, "duplicate key (given before in the same object)");
    }
    return j;
  }
  // The offset of `"key"` followed by a colon, searching from `from`.
  size_t key_offset(const std::string& key, size_t from) const {
    const std::string quoted = "\"" + key + "\"";
    for (size_t at = text_.find(quoted, from); at != std::string::npos; at = text_.find(quoted, at + 1)) {
      size_t k = at + quoted.size();
      while (k < text_.size() && std::isspace(static_cast<unsigned char>(text_[k]))) ++k;
      if (k < text_.size() && text_[k] == ':') return at;
    }
    return std::string::npos;
  }
  std::pair<int, int> line_col(size_t offset) const {
    int line = 1, col = 1;
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return {line, col};
  }

  std::string path_;
  std::string text_;
  nlohmann::json j_;
  nlohmann::json outer_;  // the keys beside text_config (multimodal configs)
  mutable std::set<std::string> read_;
  std::string prefix_;
  size_t from_ = 0;
};

// Keys that change neither the parameters nor the KV cache (or change them by less than
// 0.001%), so that they are known rather than ignored: naming, tokens, initialisation,
// norms' epsilon, RoPE, dropout, router losses and scaling, the checkpoint's storage
// format (stacksim serves at the scenario's precision), attention biases and QK-norm
// weights (a few thousand parameters per layer, left out), and DeepSeek's MTP module
// (outside the published totals; serving.mtp models drafting).
const std::set<std::string> kIrrelevant = {"architectures",     "model_type",
                                           "auto_map",          "transformers_version",
                                           "torch_dtype",       "use_cache",
                                           "bos_token_id",      "eos_token_id",
                                           "pad_token_id",      "initializer_range",
                                           "rms_norm_eps",      "hidden_act",
                                           "attention_dropout", "rope_theta",
                                           "rope_scaling",      "router_aux_loss_coef",
                                           "aux_loss_alpha",    "output_router_logits",
                                           "norm_topk_prob",    "routed_scaling_factor",
                                           "scoring_func",      "topk_method",
                                           "n_group",           "topk_group",
                                           "seq_aux",           "ep_size",
                                           "pretraining_tp",    "initial_context_length",
                                           "swiglu_limit",      "quantization_config",
                                           "attention_bias",    "qkv_bias",
                                           "use_qk_norm",       "num_nextn_predict_layers",
                                           "image_token_index", "tie_word_embeddings"};

// Which layers are MoE: DeepSeek (first_k_dense_replace, moe_layer_freq), Qwen
// (decoder_sparse_step, mlp_only_layers), Llama 4 (interleave_moe_layer_step).
int dense_layer_count(const HfConfig& j, int layers) {
  std::vector<bool> moe(size_t(layers), true);
  if (j.has("first_k_dense_replace")) {
    const int k = j.integer("first_k_dense_replace", 0);
    if (k > layers) j.fail("first_k_dense_replace", "exceeds num_hidden_layers (" + std::to_string(layers) + ")");
    for (int i = 0; i < k; ++i) moe[size_t(i)] = false;
  }
  for (const auto& [key, offset] :
       {std::pair<const char*, int>{"moe_layer_freq", 0}, {"decoder_sparse_step", 1}, {"interleave_moe_layer_step", 1}})
    if (j.has(key)) {
      const int step = j.integer(key, -1, 1);
      for (int i = 0; i < layers; ++i)
        if ((i + offset) % step != 0) moe[size_t(i)] = false;
    }
  if (j.has("mlp_only_layers"))
    for (int i : j.int_list("mlp_only_layers", 0, layers - 1)) moe[size_t(i)] = false;
  return static_cast<int>(std::count(moe.begin(), moe.end(), false));
}

// Sliding-window (or chunked) attention layers: gpt-oss and Gemma-style `layer_types`,
// Gemma 3's sliding_window_pattern, Qwen's use_sliding_window from max_window_layers on,
// Llama 4's chunked layers (3 of 4, or no_rope_layers), each caching at most its window.
void read_sliding(const HfConfig& j, Model* m) {
  const int layers = m->layers;
  int sliding = 0, window = 0;
  if (j.has("layer_types")) {
    const std::vector<std::string> types = j.str_list("layer_types");
    for (const std::string& t : types) {
      if (t != "sliding_attention" && t != "full_attention")
        j.fail("layer_types", "expected sliding_attention or full_attention, found \"" + t + "\"");
      sliding += t == "sliding_attention";
    }
    if (types.size() != size_t(layers))
      j.fail("layer_types", "expected one per layer (" + std::to_string(layers) + ")");
    if (sliding > 0) window = j.integer("sliding_window", -1, 1);
  } else if (j.has("attention_chunk_size")) {
    window = j.integer("attention_chunk_size", -1, 1);
    if (j.has("no_rope_layers")) {
      for (int r : j.int_list("no_rope_layers", 0, 1)) sliding += r;
    } else {
      for (int i = 0; i < layers; ++i) sliding += (i + 1) % 4 != 0;
    }
  } else if (j.has("sliding_window")) {
    if (j.has("use_sliding_window")) {
      if (j.boolean("use_sliding_window", false)) {
        const int from = j.has("max_window_layers") ? j.integer("max_window_layers", 0) : 0;
        sliding = std::max(0, layers - from);
      } else {
        j.understood("max_window_layers");
      }
    } else if (j.has("sliding_window_pattern")) {
      sliding = layers - layers / j.integer("sliding_window_pattern", -1, 1);
    } else {
      j.fail("sliding_window",
             "which layers use the window is not stated (no layer_types, sliding_window_pattern or "
             "use_sliding_window)");
    }
    if (sliding > 0) window = j.integer("sliding_window", -1, 1);
    j.understood("sliding_window");
  } else if (j.has("use_sliding_window") && !j.boolean("use_sliding_window", false)) {
    j.understood("max_window_layers");
  }
  if (sliding == 0) return;
  if (m->attention.type != AttentionType::GQA) j.fail("sliding_window", "sliding windows with MLA are not modelled");
  m->attention.sliding = {sliding, window, m->attention.kv_heads, m->attention.head_dim};
}

void read_attention(const HfConfig& j, Model* m) {
  m->attention.heads = j.integer("num_attention_heads", -1, 1);
  if (j.has("kv_lora_rank")) {
    m->attention.type = AttentionType::MLA;
    m->attention.q_lora_rank = j.integer("q_lora_rank", 0);
    m->attention.kv_lora_rank = j.integer("kv_lora_rank", -1, 1);
    m->attention.qk_nope_head_dim = j.integer("qk_nope_head_dim");
    m->attention.qk_rope_head_dim = j.integer("qk_rope_head_dim");
    m->attention.v_head_dim = j.integer("v_head_dim", -1, 1);
    j.understood("num_key_value_heads");  // MLA caches the latent, not per-head K and V
    j.understood("head_dim");
    if (j.has("index_topk")) {  // DeepSeek-V3.2's sparse attention and its FP8 lightning indexer
      m->attention.sparse_topk = j.integer("index_topk", -1, 1);
      m->attention.indexer.heads = j.integer("index_n_heads", -1, 1);
      m->attention.indexer.head_dim = j.integer("index_head_dim", -1, 1);
      m->attention.indexer.layers = m->layers;
    }
  } else {
    m->attention.type = AttentionType::GQA;
    m->attention.kv_heads = j.integer("num_key_value_heads", m->attention.heads, 1);
    m->attention.head_dim = j.integer("head_dim", m->hidden_size / m->attention.heads, 1);
    if (m->attention.heads % m->attention.kv_heads != 0)
      j.fail("num_key_value_heads", "must divide num_attention_heads (" + std::to_string(m->attention.heads) + ")");
  }
  read_sliding(j, m);
}

// Experts: DeepSeek/Kimi (n_routed_experts), Qwen3 (num_experts), gpt-oss and Llama 4
// (num_local_experts); experts' FFN size moe_intermediate_size (else intermediate_size),
// the dense layers' intermediate_size_mlp (Llama 4) or intermediate_size.
void read_ffn(const HfConfig& j, Model* m) {
  int experts = 0;
  std::string experts_key;
  for (const char* k : {"n_routed_experts", "num_experts", "num_local_experts"})
    if (j.has(k)) experts = j.integer(experts_key = k);
  if (experts == 0) {
    m->dense_layers = m->layers;
    m->dense_intermediate = j.integer("intermediate_size", -1, 1);
    return;
  }
  m->routed_experts = experts;
  const std::string top_k_key = j.has("num_experts_per_tok") ? "num_experts_per_tok" : "experts_per_token";
  m->top_k = j.integer(top_k_key, -1, 1);
  if (j.has("num_experts_per_tok") && j.has("experts_per_token")) j.understood("experts_per_token");
  if (m->top_k > m->routed_experts)
    j.fail(top_k_key, "exceeds " + experts_key + " (" + std::to_string(m->routed_experts) + ")");
  const bool llama4 = j.has("model_type") && j.str("model_type").rfind("llama4", 0) == 0;
  // Llama 4 adds one shared expert of the routed experts' size to every MoE layer.
  m->shared_experts = llama4 ? 1 : j.integer("n_shared_experts", 0);
  if (j.has("shared_expert_intermediate_size") && j.integer("shared_expert_intermediate_size", 0) > 0)
    j.fail("shared_expert_intermediate_size", "a shared expert of its own size is not modelled");
  const bool moe_size = j.has("moe_intermediate_size");
  m->expert_intermediate = j.integer(moe_size ? "moe_intermediate_size" : "intermediate_size", -1, 1);
  m->dense_layers = dense_layer_count(j, m->layers);
  const std::string dense_key = j.has("intermediate_size_mlp") ? "intermediate_size_mlp" : "intermediate_size";
  m->dense_intermediate = m->dense_layers > 0 ? j.integer(dense_key, -1, 1) : 0;
  j.understood("intermediate_size");  // the dense FFN's size, when no layer is dense
}

}  // namespace

Model model_from_hf_config(const std::string& path) {
  const HfConfig j(path);
  Model m;
  m.source = path;
  const size_t slash = path.find_last_of('/');
  m.name = path.substr(slash == std::string::npos ? 0 : slash + 1);
  if (m.name.size() > 12 && m.name.substr(m.name.size() - 12) == "_config.json") m.name.resize(m.name.size() - 12);
  m.layers = j.integer("num_hidden_layers", -1, 1);
  m.hidden_size = j.integer("hidden_size", -1, 1);
  m.vocab_size = j.integer("vocab_size", -1, 1);
  m.max_context = j.integer("max_position_embeddings", -1, 1);
  m.tied_embeddings = j.boolean("tie_word_embeddings", false);
  read_attention(j, &m);
  read_ffn(j, &m);
  j.finish(kIrrelevant);
  // Hugging Face configs state the checkpoint dtype, not the serving precision: serve in BF16
  // unless the scenario says otherwise (serving.precision overrides).
  serve_in_bf16(&m);
  m.description = "imported from Hugging Face config.json";
  return m;
}

}  // namespace stacksim
