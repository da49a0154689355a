// Model: a transformer (dense or mixture-of-experts) described by its architecture,
// from models/*.yaml or imported from a Hugging Face config.json. Derived sizes
// (parameters, weight bytes, KV bytes per token) are computed here, once.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "config/error.h"
#include "config/precision.h"
#include "config/yaml_reader.h"

namespace stacksim {

enum class AttentionType { MLA, GQA };

struct Attention {
  AttentionType type = AttentionType::GQA;
  int heads = 0;
  // MLA (DeepSeek, Kimi): low-rank compressed KV; the cache holds kv_lora_rank + qk_rope_head_dim values.
  int q_lora_rank = 0;
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;
  int v_head_dim = 0;
  // GQA: the cache holds 2 * kv_heads * head_dim values.
  int kv_heads = 0;
  int head_dim = 0;
  // Sparse attention: each query attends to at most this many cached entries (0 = all).
  int sparse_topk = 0;
  // Cached entries per token (compressed attention; 1 = one entry per token). Every entry
  // has the full size: compression shrinks how many there are, not what each holds.
  double kv_compression = 1.0;
  // DeepSeek Sparse Attention's lightning indexer: in each of its layers, every query
  // scores every indexer key of its sequence (heads x head_dim multiply-adds per pair, in
  // its own precision) to pick the sparse_topk entries it attends. heads 0 = none.
  struct Indexer {
    int heads = 0;
    int head_dim = 0;
    Precision precision = Precision::FP8;
    int layers = 0;          // layers that run it (all, unless the model says otherwise)
    double compression = 1;  // indexer keys per token
  } indexer;
  // Global layers whose V shares K's projection (Gemma 4's attention_k_eq_v): no v_proj
  // weights; the cache still holds both K and V, as the runtimes keep them.
  bool k_eq_v = false;
  // Sliding-window layers (Gemma 2-4's local attention): `layers` of the model's layers
  // attend to the last `window` tokens only, with their own GQA shape; the rest (the
  // global layers) are the shape above. A sequence caches at most `window` tokens of each.
  struct Sliding {
    int layers = 0;  // 0 = none
    int window = 0;
    int kv_heads = 0;
    int head_dim = 0;
  } sliding;
};

struct Model {
  std::string name;
  std::string description;
  std::string source;
  int layers = 0;
  int hidden_size = 0;
  int vocab_size = 0;
  int max_context = 0;
  bool tied_embeddings = false;
  Attention attention;
  int dense_layers = 0;  // layers with a dense FFN (the rest are MoE)
  int dense_intermediate = 0;
  int routed_experts = 0;  // 0 = dense model
  int shared_experts = 0;
  int top_k = 0;
  int expert_intermediate = 0;
  // Weights per part (precision.weights: one precision, or a map of the five): attention
  // projections, dense FFNs, shared experts and routers, routed experts, LM head and
  // embeddings. `weights` mirrors the routed experts' (the bulk of a MoE's bytes): set
  // both with set_weight_precision().
  struct WeightParts {
    Precision attention = Precision::BF16, dense = Precision::BF16, shared = Precision::BF16, routed = Precision::BF16,
              head = Precision::BF16;
    bool uniform() const { return attention == routed && dense == routed && shared == routed && head == routed; }
  } weight_parts;
  Precision weights = Precision::BF16;
  Precision activations = Precision::BF16;
  // Expert-parallel transfers: dispatch (absent: the activations' precision, whatever
  // they end up being) and combine (BF16 unless given).
  std::optional<Precision> dispatch;
  Precision combine = Precision::BF16;
  Precision dispatch_precision() const { return dispatch.value_or(activations); }
  Precision kv_cache = Precision::BF16;
  // The attention core's arithmetic (scores and values): precision.attention_core, by
  // default the wider of the activations and the KV cache, whatever they end up being (a
  // cache stored narrower than it is computed is dequantized in the kernel).
  std::optional<Precision> attention_core;
  Precision attention_core_precision() const { return attention_core.value_or(wider(activations, kv_cache)); }
  // Where each precision was set ("attention", "dense", "shared", "routed", "head" for the
  // weights; "activations", "kv_cache", "attention_core", "indexer"), the last setter
  // winning (a serving override over the model file), for check_chip_precisions().
  std::map<std::string, Location> precision_at;
  double published_total = 0;  // parameters as the source states them (0 = not stated)
  double published_active = 0;

  int moe_layers() const { return routed_experts > 0 ? layers - dense_layers : 0; }
  // Layers of full (global) attention: all but the sliding-window ones.
  int global_layers() const { return layers - attention.sliding.layers; }

  // Parameters of one layer's attention block (projections), averaged over the global
  // and sliding-window layers; of one global and one sliding-window layer.
  double attention_params() const;
  double global_attention_params() const;
  double sliding_attention_params() const;
  // Parameters of one expert (gate, up, down).
  double expert_params() const { return 3.0 * hidden_size * expert_intermediate; }
  // Embedding plus output head.
  double embedding_params() const { return double(vocab_size) * hidden_size * (tied_embeddings ? 1 : 2); }
  // Everything but the routed experts: attention, dense FFNs, shared experts, routers, embeddings.
  // In expert parallelism with data-parallel attention this part is replicated on every chip.
  double replicated_params() const;
  double routed_expert_params() const { return double(moe_layers()) * routed_experts * expert_params(); }
  double total_params() const { return replicated_params() + routed_expert_params(); }
  // Parameters touched per token (top_k routed experts per MoE layer).
  double active_params() const;
  // Bytes of the weights replicated per data-parallel rank, of the routed experts, and in all.
  double replicated_weight_bytes() const;
  double routed_expert_weight_bytes() const { return routed_expert_params() * precision_bytes(weight_parts.routed); }
  double weight_bytes() const { return replicated_weight_bytes() + routed_expert_weight_bytes(); }
  // Values cached per token per layer (before kv_compression).
  double kv_values_per_token_layer() const;
  // Bytes of one cached entry of one layer (before any split over tensor-parallel chips).
  double kv_entry_bytes() const;
  // Indexer-key bytes per token over the indexer's layers.
  double indexer_bytes_per_token() const;
  // KV-cache bytes per token over the global layers: entries (after compression) +
  // indexer keys. The sliding-window layers' are apart: a sequence holds at most `window`.
  double kv_bytes_per_token() const;
  // Bytes of one cached entry of one sliding-window layer, and per token over them all.
  double sliding_entry_bytes() const;
  double sliding_bytes_per_token() const { return sliding_entry_bytes() * attention.sliding.layers; }
  // KV bytes of one sequence of `tokens` tokens (the global layers' and the window's).
  double kv_bytes(double tokens) const;
};

Model model_from_yaml(const YAML::Node& root, const Origin& origin);
// Reads precision.weights (one precision for every part, or a map of attention, dense,
// shared, routed and head) into m's weight_parts and weights.
void read_weight_precision(MapReader& p, Model* m);
// A serving pool's `precision:` over the model's: any of weights, activations, kv_cache,
// dispatch, combine (then finishes the mapping).
void override_precision(MapReader& p, Model* m);
// Sets every part's weight precision to w.
void set_weight_precision(Model* m, Precision w);
// Imports a Hugging Face config.json (DeepSeek-V3/R1/V3.2, Kimi K2, Qwen3-MoE, Llama 4,
// gpt-oss, Llama-style; config/hf_config.cpp). Every key present is read, or known not to
// change the parameters or the KV cache; any other is refused (ConfigError at its line).
Model model_from_hf_config(const std::string& path);
// Every precision BF16: a Hugging Face import serves as its checkpoint's dtype says
// (serving.precision overrides it).
void serve_in_bf16(Model* m);
// Loads either form by extension (.json = Hugging Face config, otherwise YAML).
Model load_model(const std::string& path);

}  // namespace stacksim
