#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.h"
#include "validate/calibrate.h"
#include "validate/studies.h"

using namespace stacksim;
using stacksim::test::repo;

TEST_CASE("the validation cases group by their stack file", "[studies]") {
  const auto cases = load_cases({repo("scenarios/validation")});
  const auto groups = cases_by_stack(cases);
  REQUIRE(groups.size() == 3);  // cann-910c, cuda-blackwell, cuda-hopper
  size_t n = 0;
  for (const auto& [file, group] : groups) {
    n += group.size();
    for (const ValidationCase* c : group) CHECK(c->platform.stack_file == file);
  }
  CHECK(n == cases.size());
}

TEST_CASE("leave-one-out predicts every case and metric from the other cases of its stack", "[studies]") {
  const auto cases = load_cases({repo("scenarios/validation")});
  size_t metrics = 0;
  for (const auto& c : cases) metrics += c.measured.size();
  const auto predictions = leave_one_out(cases);
  CHECK(predictions.size() == metrics);
  for (const Prediction& p : predictions) {
    INFO(p.case_id << " " << p.metric);
    // Each of the two large-batch GB200 decode cases is predicted from the other (with one,
    // the SGLang case left out came out +46%, from three batch-1 cases) within 15%.
    // Blackwell's only prefill case, predicted from decode cases alone, comes out +38%
    // (2026-12-03): this guards against it getting worse, not the 15%.
    if (p.case_id == "sglang-gb200-nvl72-decode" || p.case_id == "vllm-gb200-dep8-decode-2k2k")
      CHECK(std::fabs(p.error()) <= 0.15);
    else if (p.case_id == "vllm-gb200-dep2-prefill-2k")
      CHECK(std::fabs(p.error()) <= 0.40);
    else if (p.fitted_to > 0)
      CHECK(std::fabs(p.error()) <= 0.25);  // a stack's only case has its prior alone
  }
  // A stack's only case is predicted by the stack's prior (nothing else was fitted).
  const ValidationCase& alone = cases.front();
  const auto one = leave_one_out({alone});
  REQUIRE(one.size() == alone.measured.size());
  CHECK(one[0].fitted_to == 0);
  REQUIRE(alone.platform.stack.prior);
  CHECK(one[0].predicted == evaluate_with(alone, *alone.platform.stack.prior).at(one[0].metric));
}

TEST_CASE("sensitivity: faster GEMMs speed prefill up, longer overheads slow decode down", "[studies]") {
  const auto cases = load_cases({repo("scenarios/validation/deepseek-profile-h800-prefill.yaml"),
                                 repo("scenarios/validation/sglang-h100-decode.yaml")});
  const auto s = sensitivity(cases);
  REQUIRE(s.size() == 2);
  const auto& ps = calibrated_stack_params();
  auto index = [&](const std::string& name) {
    for (size_t i = 0; i < ps.size(); ++i)
      if (name == ps[i].name) return i;
    FAIL("no parameter " << name);
    return size_t(0);
  };
  for (const auto& row : s) {
    CHECK(row.up.size() == ps.size());
    CHECK(row.down.size() == ps.size());
  }
  CHECK(s[0].metric == "input_tokens_per_s_per_chip");
  CHECK(s[0].up[index("gemm_efficiency")] > 0.01);
  CHECK(s[0].down[index("gemm_efficiency")] < -0.01);
  CHECK(s[1].metric == "output_tokens_per_s_per_chip");
  CHECK(s[1].up[index("step_overhead")] < 0);
  CHECK(s[1].down[index("step_overhead")] > 0);
}

TEST_CASE("identifying cases: a parameter no case moves by 2% is at its prior", "[studies]") {
  const auto cases = load_cases({repo("scenarios/validation")});
  const auto& ps = calibrated_stack_params();
  for (const auto& [file, group] : cases_by_stack(cases)) {
    if (file.find("cann-910c") == std::string::npos) continue;
    const auto ids = identifying_cases(group);
    REQUIRE(ids.size() == ps.size());
    for (size_t i = 0; i < ps.size(); ++i) {
      INFO(ps[i].name);
      // The CloudMatrix cases never leave the UB domain: the NIC's efficiency moves nothing.
      if (std::string(ps[i].name) == "scale_out_efficiency") CHECK(ids[i].empty());
      // Prefill is GEMM-bound: its case identifies gemm_efficiency.
      if (std::string(ps[i].name) == "gemm_efficiency")
        CHECK(std::find(ids[i].begin(), ids[i].end(), "cloudmatrix384-910c-prefill") != ids[i].end());
    }
    // With a threshold no change reaches, nothing is identified.
    for (const auto& v : identifying_cases(group, 10.0)) CHECK(v.empty());
  }
}
