#include <catch2/catch.hpp>

#include "config/model.h"
#include "helpers.h"

using namespace stacksim;
using stacksim::test::repo;

static const std::string kHf = std::string(STACKSIM_DATA_DIR) + "/data/hf-configs/";

TEST_CASE("DeepSeek-V3 parameter counts match the published 671B / 37B within 2%", "[model]") {
  for (const Model& m :
       {load_model(repo("models/deepseek-v3.yaml")), load_model(kHf + "deepseek-ai--DeepSeek-V3_config.json")}) {
    INFO(m.name);
    CHECK(m.total_params() == Approx(671e9).epsilon(0.02));
    CHECK(m.active_params() == Approx(37e9).epsilon(0.02));
    // MLA caches kv_lora_rank + rope = 576 values per token per layer.
    CHECK(m.kv_values_per_token_layer() == 576);
  }
}

TEST_CASE("Kimi K2 parameter counts match the published 1.04T / 32.6B within 2%", "[model]") {
  for (const Model& m :
       {load_model(repo("models/kimi-k2.yaml")), load_model(kHf + "moonshotai--Kimi-K2-Instruct_config.json")}) {
    INFO(m.name);
    CHECK(m.total_params() == Approx(1.04e12).epsilon(0.02));
    CHECK(m.active_params() == Approx(32.6e9).epsilon(0.02));
  }
}

TEST_CASE("every shipped model matches its own published totals within 2%", "[model]") {
  for (const char* f : {"deepseek-v3", "kimi-k2", "deepseek-v4-article", "deepseek-v4-pro", "deepseek-v4-flash",
                        "dense-37b", "dense-1t", "gemma-4-31b"}) {
    Model m = load_model(repo(std::string("models/") + f + ".yaml"));
    INFO(f);
    REQUIRE(m.published_total > 0);
    REQUIRE(m.published_active > 0);
    CHECK(m.total_params() == Approx(m.published_total).epsilon(0.02));
    CHECK(m.active_params() == Approx(m.published_active).epsilon(0.02));
  }
}

TEST_CASE("GQA models import from Hugging Face configs", "[model]") {
  Model q = load_model(kHf + "Qwen--Qwen3-235B-A22B_config.json");
  CHECK(q.attention.type == AttentionType::GQA);
  CHECK(q.total_params() == Approx(235e9).epsilon(0.02));
  CHECK(q.active_params() == Approx(22e9).epsilon(0.05));
  // GQA caches K and V: 2 * 4 kv heads * 128 = 1024 values per token per layer.
  CHECK(q.kv_values_per_token_layer() == 1024);
}

TEST_CASE("Gemma 4 31B: sliding-window and global layers sized as its config gives", "[model]") {
  const Model m = load_model(repo("models/gemma-4-31b.yaml"));
  // docs/research/mtia-400-and-gemma-4.md, s2.3: 5376 x (8192 + 4096 + 4096 + 8192) per
  // sliding layer; 5376 x (16384 + 2048 + 16384) per global one (no v_proj: K = V).
  CHECK(m.sliding_attention_params() == 5376.0 * (8192 + 4096 + 4096 + 8192));
  CHECK(m.global_attention_params() == 5376.0 * (16384 + 2048 + 16384));
  CHECK(m.global_layers() == 10);
  CHECK(m.total_params() == Approx(30.70e9).epsilon(0.002));
  // KV: 10 global layers x 2 x 4 x 512 x 2 B per token, plus 50 x 2 x 16 x 256 x 2 B for
  // each of the last 1,024 tokens; the independent test's figures, byte for byte.
  CHECK(m.kv_bytes_per_token() == 81920);
  CHECK(m.sliding_bytes_per_token() == 819200);
  CHECK(m.kv_bytes(32768) == 3523215360.0);
  CHECK(m.kv_bytes(262144) == 22313697280.0);
  CHECK(m.kv_bytes(512) == 512 * (81920.0 + 819200));
}
