// A small MoE model and its serving layout, built in code, for the unit tests worked by hand.
#pragma once

#include "config/model.h"
#include "config/scenario.h"

namespace stacksim::test {

// 4 layers, hidden 1000, GQA (8 heads, 2 KV heads of 100), one dense layer, three MoE
// layers of 6 routed experts (top 2) and a shared one; tied embeddings; FP8 weights and
// a BF16 KV cache.
inline Model small_moe() {
  Model m;
  m.layers = 4;
  m.hidden_size = 1000;
  m.vocab_size = 1000;
  m.tied_embeddings = true;
  m.attention.type = AttentionType::GQA;
  m.attention.heads = 8;
  m.attention.kv_heads = 2;
  m.attention.head_dim = 100;
  m.dense_layers = 1;
  m.dense_intermediate = 2000;
  m.routed_experts = 6;
  m.shared_experts = 1;
  m.top_k = 2;
  m.expert_intermediate = 500;
  set_weight_precision(&m, Precision::FP8);
  m.kv_cache = Precision::BF16;
  return m;
}

// 4 chips per instance, attention TP 2 (2 data-parallel ranks), 2 redundant experts.
inline Serving small_serving() {
  Serving s;
  s.chips = 4;
  s.chips_per_instance = 4;
  s.attention_tp = 2;
  s.redundant_experts = 2;
  s.routing.type = "balanced";  // worked by hand: every chip gets its mean share
  return s;
}

}  // namespace stacksim::test
