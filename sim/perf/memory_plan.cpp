#include "perf/memory_plan.h"

#include <algorithm>
#include <cmath>

namespace stacksim {

double MemoryTier::left() const {
  double bytes = capacity;
  for (const MemoryUse& u : uses) bytes -= u.bytes;
  return bytes;
}

double MemoryTier::use(const std::string& name) const {
  for (const MemoryUse& u : uses)
    if (u.name == name) return u.bytes;
  return 0;
}

double weights_per_chip(const Model& model, const Serving& serving) {
  const int tp = serving.attention_tp, chips = serving.chips_per_instance;
  double routed_per_chip = 0;
  if (model.routed_experts > 0) {
    const double replicas = double(model.routed_experts + serving.redundant_experts) / model.routed_experts;
    routed_per_chip = model.routed_expert_weight_bytes() * replicas / chips;
  }
  return model.replicated_weight_bytes() / tp + routed_per_chip;
}

double kv_bytes_per_token_chip(const Model& model, int attention_tp) {
  const double full = model.kv_bytes_per_token();
  if (model.attention.type == AttentionType::MLA) return full;
  return full / std::min(attention_tp, model.attention.kv_heads);
}

double sliding_bytes_per_token_chip(const Model& model, int attention_tp) {
  const Attention::Sliding& w = model.attention.sliding;
  return w.layers > 0 ? model.sliding_bytes_per_token() / std::min(attention_tp, w.kv_heads) : 0;
}

MemoryPlan memory_plan(const Model& model, const Platform& platform, const Serving& serving) {
  MemoryPlan mp;
  mp.weights_per_chip = weights_per_chip(model, serving);
  const double offloaded = mp.weights_per_chip * serving.offload_weights;
  mp.tiers.push_back({"hbm",
                      platform.chip.hbm_capacity,
                      {{"reserved", platform.stack.hbm_reserved}, {"weights", mp.weights_per_chip - offloaded}}});
  if (platform.host_memory.capacity_per_chip > 0)
    mp.tiers.push_back({"host", platform.host_memory.capacity_per_chip, {{"weights", offloaded}}});
  mp.kv_bytes_per_chip = mp.kv_tier().left();
  mp.kv_bytes_per_token = kv_bytes_per_token_chip(model, serving.attention_tp);
  if (mp.kv_bytes_per_chip > 0 && mp.kv_bytes_per_token > 0) {
    mp.kv_tokens_per_rank = static_cast<int64_t>(std::floor(mp.kv_bytes_per_chip / mp.kv_bytes_per_token));
    mp.kv_tokens_per_instance = mp.kv_tokens_per_rank * serving.dp_ranks();
  }
  if (model.attention.sliding.layers > 0 && mp.kv_bytes_per_token > 0) {
    mp.kv_window = model.attention.sliding.window;
    mp.kv_window_ratio = sliding_bytes_per_token_chip(model, serving.attention_tp) / mp.kv_bytes_per_token;
  }
  return mp;
}

}  // namespace stacksim
