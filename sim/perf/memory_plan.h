// The memory plan: what one chip of an instance holds, and the KV capacity it leaves.
//
// Memory is a list of tiers (HBM, then the platform's host memory if it has one), each a
// capacity per chip and the uses allocated from it in order. What the first tier has left
// holds the KV cache; serving.offload_weights moves that fraction of the weights to the host.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "config/scenario.h"

namespace stacksim {

// One allocation from a tier: a name ("reserved", "weights") and its bytes per chip.
struct MemoryUse {
  std::string name;
  double bytes = 0;
};

struct MemoryTier {
  std::string name;             // "hbm"
  double capacity = 0;          // bytes per chip
  std::vector<MemoryUse> uses;  // allocated in this order

  // The capacity minus every use, subtracted in order (may be <= 0: they do not fit).
  double left() const;
  // The bytes of the use called `name` (0 when there is none).
  double use(const std::string& name) const;
};

// Memory per chip and the KV capacity it leaves.
struct MemoryPlan {
  std::vector<MemoryTier> tiers;   // tiers[0], HBM, holds the KV cache
  double weights_per_chip = 0;     // bytes
  double kv_bytes_per_chip = 0;    // bytes left for the KV cache (may be <= 0: does not fit)
  double kv_bytes_per_token = 0;   // bytes one token's KV occupies on its rank's chip(s), per chip
  int64_t kv_tokens_per_rank = 0;  // KV capacity of one data-parallel rank, tokens
  int64_t kv_tokens_per_instance = 0;
  // Sliding-window layers: each sequence also holds up to `kv_window` tokens of theirs,
  // `kv_window_ratio` times a global token's bytes each. KV is counted in global-token
  // equivalents: a sequence of n tokens holds held_tokens(n) of the capacity above.
  int64_t kv_window = 0;
  double kv_window_ratio = 0;
  double window_part(double n) const { return kv_window_ratio * std::min(n, double(kv_window)); }
  double held(double n) const { return n + window_part(n); }  // for a mean length
  int64_t held_tokens(int64_t n) const { return n + static_cast<int64_t>(std::ceil(window_part(double(n)))); }

  const MemoryTier& kv_tier() const { return tiers.front(); }
};

// Weight bytes on each chip: attention, dense FFNs, shared experts and embeddings are
// replicated on every data-parallel rank and split across its attention-TP chips; the
// routed experts (with their redundant replicas) are spread over the instance.
double weights_per_chip(const Model& model, const Serving& serving);

// KV bytes of one token on each chip that holds it: MLA's latent cache is replicated
// across the attention-TP group; GQA's heads are split across it.
double kv_bytes_per_token_chip(const Model& model, int attention_tp);
// The same for the sliding-window layers (0 without them).
double sliding_bytes_per_token_chip(const Model& model, int attention_tp);

// HBM: the chip's capacity, minus the stack's reservation, minus the weights.
MemoryPlan memory_plan(const Model& model, const Platform& platform, const Serving& serving);

}  // namespace stacksim
