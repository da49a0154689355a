#include "config/model.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "util/io.h"
#include "util/json_text.h"

namespace stacksim {

double Model::attention_params() const {
  const double sl = attention.sliding.layers;
  return layers > 0 ? (global_layers() * global_attention_params() + sl * sliding_attention_params()) / layers : 0;
}

double Model::sliding_attention_params() const {
  const Attention::Sliding& w = attention.sliding;
  const double h = hidden_size, q = double(attention.heads) * w.head_dim;
  return 2.0 * h * q + 2.0 * h * w.kv_heads * w.head_dim;
}

double Model::global_attention_params() const {
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
  const double kv = (a.k_eq_v ? 1.0 : 2.0) * h * a.kv_heads * a.head_dim;
  return h * a.heads * a.head_dim + kv + double(a.heads) * a.head_dim * h;
}

double Model::replicated_params() const {
  const double h = hidden_size;
  double p = layers * attention_params();
  p += dense_layers * 3.0 * h * dense_intermediate;
  p += moe_layers() * (shared_experts * expert_params() + h * routed_experts);
  return p + embedding_params();
}

double Model::replicated_weight_bytes() const {
  const double h = hidden_size;
  const WeightParts& w = weight_parts;
  return layers * attention_params() * precision_bytes(w.attention) +
         dense_layers * 3.0 * h * dense_intermediate * precision_bytes(w.dense) +
         moe_layers() * (shared_experts * expert_params() + h * routed_experts) * precision_bytes(w.shared) +
         embedding_params() * precision_bytes(w.head);
}

// Reads precision `key` of `r` for `part`, recording where it was set.
static Precision read_part(MapReader& r, const std::string& key, const std::string& part, Model* m) {
  m->precision_at[part] = r.where(key);
  return read_precision(r, key);
}

void set_weight_precision(Model* m, Precision w) {
  m->weight_parts = {w, w, w, w, w};
  m->weights = w;
}

void override_precision(MapReader& p, Model* m) {
  if (p.has("weights")) read_weight_precision(p, m);
  if (p.has("activations")) m->activations = read_part(p, "activations", "activations", m);
  if (p.has("kv_cache")) m->kv_cache = read_part(p, "kv_cache", "kv_cache", m);
  if (p.has("dispatch")) m->dispatch = read_precision(p, "dispatch");
  if (p.has("combine")) m->combine = read_precision(p, "combine");
  p.finish();
}

void serve_in_bf16(Model* m) {
  set_weight_precision(m, Precision::BF16);
  m->activations = m->kv_cache = m->combine = Precision::BF16;
  m->attention_core.reset();
}

void read_weight_precision(MapReader& p, Model* m) {
  if (p.node("weights").IsScalar()) {
    for (const char* part : {"attention", "dense", "shared", "routed", "head"})
      m->precision_at[part] = p.where("weights");
    set_weight_precision(m, read_precision(p, "weights"));
    return;
  }
  MapReader w = p.child("weights");
  Model::WeightParts& parts = m->weight_parts;
  parts.attention = read_part(w, "attention", "attention", m);
  parts.dense = read_part(w, "dense", "dense", m);
  parts.shared = read_part(w, "shared", "shared", m);
  parts.routed = read_part(w, "routed", "routed", m);
  parts.head = read_part(w, "head", "head", m);
  w.finish();
  m->weights = parts.routed;
}

double Model::active_params() const { return replicated_params() + double(moe_layers()) * top_k * expert_params(); }

double Model::kv_values_per_token_layer() const {
  if (attention.type == AttentionType::MLA) return attention.kv_lora_rank + attention.qk_rope_head_dim;
  return 2.0 * attention.kv_heads * attention.head_dim;
}

double Model::kv_entry_bytes() const { return kv_values_per_token_layer() * precision_bytes(kv_cache); }

double Model::indexer_bytes_per_token() const {
  const Attention::Indexer& ix = attention.indexer;
  return double(ix.layers) * ix.head_dim * precision_bytes(ix.precision) * ix.compression;
}

double Model::kv_bytes_per_token() const {
  return kv_entry_bytes() * global_layers() * attention.kv_compression + indexer_bytes_per_token();
}

double Model::sliding_entry_bytes() const {
  return 2.0 * attention.sliding.kv_heads * attention.sliding.head_dim * precision_bytes(kv_cache);
}

double Model::kv_bytes(double tokens) const {
  return tokens * kv_bytes_per_token() + std::min(tokens, double(attention.sliding.window)) * sliding_bytes_per_token();
}

static void check_model(const Model& m, MapReader& r) {
  if (m.dense_layers > m.layers) r.fail("dense", "dense.layers exceeds layers");
  if (m.routed_experts == 0 && m.dense_layers != m.layers)
    r.fail("moe", "a model without routed experts must have dense.layers == layers");
  if (m.routed_experts > 0 && m.top_k > m.routed_experts) r.fail("moe", "moe.top_k exceeds moe.routed_experts");
}

// `attention.sliding:`: the sliding-window layers (GQA, their own heads and window).
static void read_sliding(MapReader& a, Model* m) {
  MapReader w = a.child("sliding");
  Attention::Sliding& s = m->attention.sliding;
  s.layers = static_cast<int>(w.integer("layers", 1, m->layers));
  if (s.layers == m->layers) w.fail("layers", "some layer must keep full attention: at most layers - 1");
  s.window = static_cast<int>(w.integer("window", 1, 1 << 30));
  s.kv_heads = static_cast<int>(w.integer("kv_heads", 1, 1 << 16));
  s.head_dim = static_cast<int>(w.integer("head_dim", 1, 1 << 16));
  if (m->attention.heads % s.kv_heads != 0) w.fail("kv_heads", "heads must be a multiple of kv_heads");
  w.finish();
}

// `attention:`: its type and ranks, sparse attention and its indexer.
static void read_attention(MapReader& r, Model* m) {
  MapReader a = r.child("attention");
  const std::string type = a.choice("type", {"mla", "gqa"});
  m->attention.heads = static_cast<int>(a.integer("heads", 1, 1 << 16));
  if (type == "mla") {
    m->attention.type = AttentionType::MLA;
    m->attention.q_lora_rank = static_cast<int>(a.integer("q_lora_rank", 0, 1 << 20));
    m->attention.kv_lora_rank = static_cast<int>(a.integer("kv_lora_rank", 1, 1 << 20));
    m->attention.qk_nope_head_dim = static_cast<int>(a.integer("qk_nope_head_dim", 0, 1 << 16));
    m->attention.qk_rope_head_dim = static_cast<int>(a.integer("qk_rope_head_dim", 0, 1 << 16));
    m->attention.v_head_dim = static_cast<int>(a.integer("v_head_dim", 1, 1 << 16));
  } else {
    m->attention.type = AttentionType::GQA;
    m->attention.kv_heads = static_cast<int>(a.integer("kv_heads", 1, 1 << 16));
    m->attention.head_dim = static_cast<int>(a.integer("head_dim", 1, 1 << 16));
    if (m->attention.heads % m->attention.kv_heads != 0) a.fail("kv_heads", "heads must be a multiple of kv_heads");
  }
  m->attention.k_eq_v = a.boolean_or("k_eq_v", false);
  if (m->attention.k_eq_v && type != "gqa") a.fail("k_eq_v", "k_eq_v is a GQA option (MLA caches one latent)");
  if (a.has("sliding")) read_sliding(a, m);
  m->attention.sparse_topk = static_cast<int>(a.integer_or("sparse_topk", 0, 0, 1 << 30));
  m->attention.kv_compression = a.quantity_or("kv_compression", Dimension::Number, 1.0, 1e-6, 1.0);
  // `indexer: null` says there is none (as --set model.attention.indexer=null does).
  if (a.has("indexer") && !a.node("indexer").IsNull()) {
    if (m->attention.sparse_topk == 0) a.fail("indexer", "an indexer picks sparse_topk entries: give sparse_topk");
    MapReader ix = a.child("indexer");
    Attention::Indexer& x = m->attention.indexer;
    x.heads = static_cast<int>(ix.integer("heads", 1, 1 << 16));
    x.head_dim = static_cast<int>(ix.integer("head_dim", 1, 1 << 16));
    x.precision = read_part(ix, "precision", "indexer", m);
    x.layers = static_cast<int>(ix.integer_or("layers", m->layers, 1, m->layers));
    x.compression = ix.quantity_or("compression", Dimension::Number, m->attention.kv_compression, 1e-6, 1.0);
    ix.finish();
  }
  a.finish();
}

Model model_from_yaml(const YAML::Node& root, const Origin& origin) {
  Model m;
  MapReader r(root, origin, "");
  m.name = r.name("name");
  m.description = r.str_or("description", "");
  m.source = r.str_or("source", "");
  m.layers = static_cast<int>(r.integer("layers", 1, 100000));
  m.hidden_size = static_cast<int>(r.integer("hidden_size", 1, 1 << 20));
  m.vocab_size = static_cast<int>(r.integer("vocab_size", 1, 1 << 24));
  m.max_context = static_cast<int>(r.integer("max_context", 1, 1 << 30));
  m.tied_embeddings = r.boolean_or("tied_embeddings", false);

  read_attention(r, &m);

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
  read_weight_precision(p, &m);
  m.activations = read_part(p, "activations", "activations", &m);
  m.kv_cache = read_part(p, "kv_cache", "kv_cache", &m);
  if (p.has("attention_core")) m.attention_core = read_part(p, "attention_core", "attention_core", &m);
  if (p.has("dispatch")) m.dispatch = read_precision(p, "dispatch");
  m.combine = p.has("combine") ? read_precision(p, "combine") : Precision::BF16;
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

Model load_model(const std::string& path) {
  if (path.size() > 5 && path.substr(path.size() - 5) == ".json") return model_from_hf_config(path);
  return model_from_yaml(load_yaml_file(path), path);
}

}  // namespace stacksim
