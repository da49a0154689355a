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
                        "dense-37b", "dense-1t"}) {
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
