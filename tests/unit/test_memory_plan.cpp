// The memory plan on a model and chip built in code (no files), worked by hand.
#include <catch2/catch.hpp>

#include "perf/fit.h"
#include "perf/memory_plan.h"
#include "small_moe.h"

using namespace stacksim;
using stacksim::test::small_moe;
using stacksim::test::small_serving;

namespace {

Platform chip_with(double hbm, double reserved) {
  Platform p;
  p.chip.hbm_capacity = hbm;
  p.stack.hbm_reserved = reserved;
  return p;
}

}  // namespace

TEST_CASE("the memory plan of a small MoE, worked by hand", "[perf][memory]") {
  const Model m = small_moe();
  const Serving s = small_serving();
  // Replicated, per rank: attention 4 x (1000*800 + 2*1000*200 + 800*1000) = 8e6, the
  // dense FFN 3*1000*2000 = 6e6, per MoE layer the shared expert 3*1000*500 = 1.5e6 and
  // the router 1000*6 (x 3 layers = 4.518e6), the tied embedding 1e6: 19.518e6,
  // split over TP 2 = 9.759e6. Routed: 3 layers x 6 experts x 1.5e6 = 27e6, with the
  // replicas 27e6 * 8/6 = 36e6 over 4 chips = 9e6. At 1 byte each: 18.759 MB per chip.
  const double weights = 18.759e6;
  CHECK(weights_per_chip(m, s) == Approx(weights));
  // KV: 2 heads x 100 x (K, V) x 4 layers x 2 bytes = 3200 bytes per token, the heads
  // split over TP 2: 1600 bytes per chip.
  CHECK(kv_bytes_per_token_chip(m, 2) == 1600);

  const MemoryPlan mp = memory_plan(m, chip_with(100e6, 20e6), s);
  CHECK(mp.weights_per_chip == Approx(weights));
  REQUIRE(mp.tiers.size() == 1);
  CHECK(mp.kv_tier().name == "hbm");
  CHECK(mp.kv_tier().capacity == 100e6);
  CHECK(mp.kv_tier().use("reserved") == 20e6);
  CHECK(mp.kv_tier().use("weights") == mp.weights_per_chip);
  CHECK(mp.kv_tier().use("nothing") == 0);
  // 100 MB - 20 MB reserved - 18.759 MB = 61.241 MB, / 1600 = 38275.6 tokens per rank.
  CHECK(mp.kv_bytes_per_chip == Approx(61.241e6));
  CHECK(mp.kv_bytes_per_token == 1600);
  CHECK(mp.kv_tokens_per_rank == 38275);
  CHECK(mp.kv_tokens_per_instance == 2 * 38275);
}

TEST_CASE("MLA's latent KV cache is whole on every chip of the TP group", "[perf][memory]") {
  Model m = small_moe();
  m.attention.type = AttentionType::MLA;
  m.attention.kv_lora_rank = 512;
  m.attention.qk_rope_head_dim = 64;
  // (512 + 64) values x 4 layers x 2 bytes, at any TP.
  CHECK(kv_bytes_per_token_chip(m, 1) == 4608);
  CHECK(kv_bytes_per_token_chip(m, 2) == 4608);
}

TEST_CASE("a model that does not fit leaves no KV cache, and check_fit says so", "[perf][memory]") {
  const Model m = small_moe();
  const Serving s = small_serving();
  // 30 MB - 20 MB reserved leaves 10 MB, short of the 18.759 MB of weights.
  const Platform p = chip_with(30e6, 20e6);
  const MemoryPlan mp = memory_plan(m, p, s);
  CHECK(mp.kv_bytes_per_chip == Approx(10e6 - 18.759e6));
  CHECK(mp.kv_tokens_per_rank == 0);
  CHECK(mp.kv_tokens_per_instance == 0);

  PoolSpec pool;
  pool.model = m;
  pool.platform = p;
  pool.serving = s;
  pool.serving_at = {"scenario.yaml", 8, 3, "serving"};
  CHECK_THROWS_AS(check_fit(pool), ConfigError);
  CHECK_THROWS_WITH(check_fit(pool),
                    "scenario.yaml:8:3: serving: the model does not fit: weights need 18.8 MB per chip, HBM 30.0 MB "
                    "minus 20.0 MB reserved leaves no KV cache; use more chips_per_instance");
  // With room for the weights it passes.
  pool.platform = chip_with(100e6, 20e6);
  CHECK_NOTHROW(check_fit(pool));
}
