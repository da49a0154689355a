#include "config/model.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace stacksim {

double Model::attention_params() const {
  const double h = hidden_size;
  const Attention& a = attention;
  if (a.type == AttentionType::MLA) {
    const double qk = a.qk_nope_head_dim + a.qk_rope_head_dim;
    const double q = a.q_lora_rank > 0 ? h * a.q_lora_rank + double(a.q_lora_rank) * a.heads * qk : h * a.heads * qk;
    const double kv_a = h * (a.kv_lora_rank + a.qk_rope_head_dim);
    const double kv_b = double(a.kv_lora_rank) * a.heads * (a.qk_nope_head_dim + a.v_head_dim);
    const double o = double(a.heads) * a.v_head_dim * h;
    return q + kv_a + kv_b + o;
  }
  return h * a.heads * a.head_dim + 2.0 * h * a.kv_heads * a.head_dim + double(a.heads) * a.head_dim * h;
}

double Model::replicated_params() const {
  const double h = hidden_size;
  double p = layers * attention_params();
  p += dense_layers * 3.0 * h * dense_intermediate;
  p += moe_layers() * (shared_experts * expert_params() + h * routed_experts);
  return p + embedding_params();
}

double Model::active_params() const {
  return replicated_params() + double(moe_layers()) * top_k * expert_params();
}

double Model::kv_values_per_token_layer() const {
  if (attention.type == AttentionType::MLA) return attention.kv_lora_rank + attention.qk_rope_head_dim;
  return 2.0 * attention.kv_heads * attention.head_dim;
}

double Model::kv_bytes_per_token() const {
  return kv_values_per_token_layer() * layers * precision_bytes(kv_cache) * attention.kv_compression;
}

static void check_model(const Model& m, MapReader& r) {
  if (m.dense_layers > m.layers) r.fail("dense", "dense.layers exceeds layers");
  if (m.routed_experts == 0 && m.dense_layers != m.layers)
    r.fail("moe", "a model without routed experts must have dense.layers == layers");
  if (m.routed_experts > 0 && m.top_k > m.routed_experts) r.fail("moe", "moe.top_k exceeds moe.routed_experts");
}

Model model_from_yaml(const YAML::Node& root, const Origin& origin) {
  Model m;
  MapReader r(root, origin, "");
  const std::string& file = origin.file;
  m.name = r.str("name");
  m.description = r.str_or("description", "");
  m.source = r.str_or("source", "");
  m.layers = static_cast<int>(r.integer("layers", 1, 100000));
  m.hidden_size = static_cast<int>(r.integer("hidden_size", 1, 1 << 20));
  m.vocab_size = static_cast<int>(r.integer("vocab_size", 1, 1 << 24));
  m.max_context = static_cast<int>(r.integer("max_context", 1, 1 << 30));
  m.tied_embeddings = r.boolean_or("tied_embeddings", false);

  MapReader a = r.child("attention");
  const std::string type = a.choice("type", {"mla", "gqa"});
  m.attention.heads = static_cast<int>(a.integer("heads", 1, 1 << 16));
  if (type == "mla") {
    m.attention.type = AttentionType::MLA;
    m.attention.q_lora_rank = static_cast<int>(a.integer("q_lora_rank", 0, 1 << 20));
    m.attention.kv_lora_rank = static_cast<int>(a.integer("kv_lora_rank", 1, 1 << 20));
    m.attention.qk_nope_head_dim = static_cast<int>(a.integer("qk_nope_head_dim", 0, 1 << 16));
    m.attention.qk_rope_head_dim = static_cast<int>(a.integer("qk_rope_head_dim", 0, 1 << 16));
    m.attention.v_head_dim = static_cast<int>(a.integer("v_head_dim", 1, 1 << 16));
  } else {
    m.attention.type = AttentionType::GQA;
    m.attention.kv_heads = static_cast<int>(a.integer("kv_heads", 1, 1 << 16));
    m.attention.head_dim = static_cast<int>(a.integer("head_dim", 1, 1 << 16));
    if (m.attention.heads % m.attention.kv_heads != 0) a.fail("kv_heads", "heads must be a multiple of kv_heads");
  }
  m.attention.sparse_topk = static_cast<int>(a.integer_or("sparse_topk", 0, 0, 1 << 30));
  m.attention.kv_compression = a.quantity_or("kv_compression", Dimension::Number, 1.0, 1e-6, 1.0);
  a.finish();

  if (r.has("dense")) {
    MapReader d = r.child("dense");
    m.dense_layers = static_cast<int>(d.integer("layers", 0, m.layers));
    m.dense_intermediate = static_cast<int>(d.integer("intermediate_size", m.dense_layers > 0 ? 1 : 0, 1 << 24));
    d.finish();
  }
  if (r.has("moe")) {
    MapReader e = r.child("moe");
    m.routed_experts = static_cast<int>(e.integer("routed_experts", 1, 1 << 20));
    m.shared_experts = static_cast<int>(e.integer("shared_experts", 0, 1 << 10));
    m.top_k = static_cast<int>(e.integer("top_k", 1, 1 << 10));
    m.expert_intermediate = static_cast<int>(e.integer("expert_intermediate_size", 1, 1 << 24));
    e.finish();
  }
  MapReader p = r.child("precision");
  m.weights = read_precision(p, "weights");
  m.activations = read_precision(p, "activations");
  m.kv_cache = read_precision(p, "kv_cache");
  p.finish();
  if (r.has("published")) {
    MapReader pub = r.child("published");
    m.published_total = pub.quantity_or("total_params", Dimension::Number, 0, 0);
    m.published_active = pub.quantity_or("active_params", Dimension::Number, 0, 0);
    pub.finish();
  }
  check_model(m, r);
  r.finish();
  return m;
}

namespace {

// Reads a positive integer field of a config.json, or throws naming the key.
int json_int(const nlohmann::json& j, const std::string& path, const std::string& key, int def = -1) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (def >= 0) return def;
    throw ConfigError(path, 0, 0, key, "missing required key in Hugging Face config");
  }
  if (!it->is_number_integer() || it->get<long long>() < 0 || it->get<long long>() > (1LL << 30))
    throw ConfigError(path, 0, 0, key, "expected a non-negative whole number, found " + it->dump());
  return it->get<int>();
}

}  // namespace

Model model_from_hf_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path, 0, 0, "", "cannot open file");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(path, 0, 0, "", std::string("JSON syntax error: ") + e.what());
  }
  if (!j.is_object()) throw ConfigError(path, 0, 0, "", "expected a JSON object");
  if (j.contains("text_config") && j["text_config"].is_object()) j = j["text_config"];

  Model m;
  m.source = path;
  const size_t slash = path.find_last_of('/');
  m.name = path.substr(slash == std::string::npos ? 0 : slash + 1);
  if (m.name.size() > 12 && m.name.substr(m.name.size() - 12) == "_config.json") m.name.resize(m.name.size() - 12);
  m.layers = json_int(j, path, "num_hidden_layers");
  m.hidden_size = json_int(j, path, "hidden_size");
  m.vocab_size = json_int(j, path, "vocab_size");
  m.max_context = json_int(j, path, "max_position_embeddings");
  m.tied_embeddings = j.value("tie_word_embeddings", false);
  m.attention.heads = json_int(j, path, "num_attention_heads");
  if (j.contains("kv_lora_rank") && !j["kv_lora_rank"].is_null()) {
    m.attention.type = AttentionType::MLA;
    m.attention.q_lora_rank = json_int(j, path, "q_lora_rank", 0);
    m.attention.kv_lora_rank = json_int(j, path, "kv_lora_rank");
    m.attention.qk_nope_head_dim = json_int(j, path, "qk_nope_head_dim");
    m.attention.qk_rope_head_dim = json_int(j, path, "qk_rope_head_dim");
    m.attention.v_head_dim = json_int(j, path, "v_head_dim");
  } else {
    m.attention.type = AttentionType::GQA;
    m.attention.kv_heads = json_int(j, path, "num_key_value_heads", m.attention.heads);
    m.attention.head_dim =
        json_int(j, path, "head_dim", m.attention.heads > 0 ? m.hidden_size / m.attention.heads : 0);
    if (m.attention.kv_heads == 0 || m.attention.heads % m.attention.kv_heads != 0)
      throw ConfigError(path, 0, 0, "num_key_value_heads", "must divide num_attention_heads");
  }
  // Experts: DeepSeek/Kimi (n_routed_experts), Qwen3 (num_experts), gpt-oss (num_local_experts).
  int experts = 0;
  for (const char* k : {"n_routed_experts", "num_experts", "num_local_experts"})
    if (j.contains(k) && !j[k].is_null()) experts = json_int(j, path, k);
  if (experts > 0) {
    m.routed_experts = experts;
    m.top_k = j.contains("num_experts_per_tok") ? json_int(j, path, "num_experts_per_tok")
                                                : json_int(j, path, "experts_per_token");
    m.shared_experts = json_int(j, path, "n_shared_experts", 0);
    m.expert_intermediate = j.contains("moe_intermediate_size") ? json_int(j, path, "moe_intermediate_size")
                                                                : json_int(j, path, "intermediate_size");
    m.dense_layers = json_int(j, path, "first_k_dense_replace", 0);
    m.dense_intermediate = m.dense_layers > 0 ? json_int(j, path, "intermediate_size") : 0;
  } else {
    m.dense_layers = m.layers;
    m.dense_intermediate = json_int(j, path, "intermediate_size");
  }
  if (m.layers == 0 || m.hidden_size == 0 || m.attention.heads == 0)
    throw ConfigError(path, 0, 0, "num_hidden_layers", "layers, hidden_size and heads must be positive");
  // Hugging Face configs state the checkpoint dtype, not the serving precision: serve in BF16
  // unless the scenario says otherwise (serving.precision overrides).
  m.weights = m.activations = m.kv_cache = Precision::BF16;
  m.description = "imported from Hugging Face config.json";
  return m;
}

Model load_model(const std::string& path) {
  if (path.size() > 5 && path.substr(path.size() - 5) == ".json") return model_from_hf_config(path);
  return model_from_yaml(load_yaml_file(path), path);
}

}  // namespace stacksim
