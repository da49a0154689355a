#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "helpers.h"
#include "perf/routing.h"
#include "validate/calibrate.h"
#include "validate/end_to_end.h"
#include "validate/validation.h"

using namespace stacksim;
using stacksim::test::repo;
using stacksim::test::shell;

TEST_CASE("stacksim validate passes every steady-state case within its tolerance", "[validation]") {
  const auto r = shell(std::string(STACKSIM_BIN) + " validate --kind steady_state");
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(r.output.find("NO") == std::string::npos);
  // Every case of shared/validation/cases.yaml is there.
  for (const char* id : {"deepseek-profile-h800-prefill", "deepseek-profile-h800-decode", "sglang-h100-prefill-1k",
                         "sglang-h100-prefill-4k", "sglang-h100-decode", "cloudmatrix384-910c-prefill",
                         "cloudmatrix384-910c-decode", "deepseek-production-h800-decode", "sglang-gb200-nvl72-decode"})
    CHECK(r.output.find(id) != std::string::npos);
}

TEST_CASE("validate --leave-one-out prints each prediction with what it was fitted to", "[validation]") {
  const auto r = shell(std::string(STACKSIM_BIN) + " validate --leave-one-out");
  INFO(r.output);
  CHECK(r.output.find("Leave-one-out") != std::string::npos);
  CHECK(r.output.find(" fitted to |") != std::string::npos);
  CHECK(r.output.find("5 cases") != std::string::npos);  // a Hopper case: the other five
  // The GB200 case left out is predicted from the other seven Blackwell cases (the other
  // large-batch decode, three at batch 1, two tensor-parallel at 16 and 64, vLLM's
  // prefill), within 15%.
  const size_t gb200 = r.output.find("sglang-gb200-nvl72-decode       | output_tokens_per_s_per_chip |   7 cases");
  CHECK(gb200 != std::string::npos);
  CHECK(r.output.find("yes", gb200) < r.output.find('\n', gb200));
  // Blackwell's only prefill case, predicted from the decode cases alone (its error band:
  // tests/test_studies.cpp).
  CHECK(r.output.find("vllm-gb200-dep2-prefill-2k      |  input_tokens_per_s_per_chip |   7 cases") !=
        std::string::npos);
  // The two CloudMatrix384 cases, each predicted from the other, miss by a little over 15%
  // under the routing law (EP32 prefill and EP320 decode no longer share an imbalance):
  // the command says so and exits 1 (the accuracy of the others: tests/test_studies.cpp).
  const size_t cm = r.output.find("cloudmatrix384-910c-decode      |                      tpot_ms |    1 case");
  CHECK(cm != std::string::npos);
  CHECK(r.output.find("NO", cm) < r.output.find('\n', cm));
  CHECK(r.code == 1);
}

TEST_CASE("validate runs the end-to-end cases through the simulation and compares their summaries", "[validation]") {
  const auto r = shell(std::string(STACKSIM_BIN) + " validate --kind end_to_end -j 2");
  INFO(r.output);
  // The SGLang cookbook's B200 runs: median TTFT (with the front end measured at
  // concurrency 1) within 25%; throughput is optimistic (issue 14: not met), so the
  // command exits 1.
  for (const std::string id : {"sglang-b200-tp8-1k1k-c16 ", "sglang-b200-tp8-1k1k-c100", "sglang-b200-tp8-8k1k-c64 "}) {
    std::istringstream lines(r.output);
    int rows = 0;
    for (std::string line; std::getline(lines, line);)
      if (line.rfind(id, 0) == 0 && line.find("ttft_ms_p50") != std::string::npos) {
        ++rows;
        CHECK(line.find("yes") != std::string::npos);
      }
    CHECK(rows == 1);
  }
  CHECK(r.output.find("trtllm-h200-dep8-1k2k") != std::string::npos);
  CHECK(r.output.find("trtllm-b200-fp4-dep8-1k2k") != std::string::npos);
  CHECK(r.output.find("deepseek-production") == std::string::npos);  // a scenario, not a case
  CHECK(r.code == 1);
}

TEST_CASE("an end-to-end case's metrics are read from the run's summary", "[validation]") {
  RunSummary s;
  s.throughput.output_tokens_per_s_per_chip = 12.5;
  s.latency_s.ttft.p50 = 0.25;
  s.latency_s.tpot.p99 = 0.03;
  CHECK(end_to_end_metric(s, "output_tokens_per_s_per_chip") == 12.5);
  CHECK(end_to_end_metric(s, "ttft_ms_p50") == Approx(250));
  CHECK(end_to_end_metric(s, "tpot_ms_p99") == Approx(30));
  const EndToEndCase c = load_end_to_end_case(repo("scenarios/validation/sglang-b200-tp8-1k1k-c16.yaml"));
  CHECK(c.overrides.size() == 3);
  CHECK(c.tolerance.at("ttft_ms_p50") == Approx(0.25));
  CHECK(c.platform == "b200-hgx");
  // A steady-state load skips it; loading it as one is an error naming the key.
  for (const auto& v : load_cases({repo("scenarios/validation")})) CHECK(v.id != c.id);
  CHECK_THROWS_WITH(load_case(c.file), Catch::Contains("kind"));
}

TEST_CASE("a decode pool's throughput is its batch times tokens per step over the step time", "[validation]") {
  ValidationCase c = load_case(repo("scenarios/validation/cloudmatrix384-910c-decode.yaml"));
  const PerfModel pm(c.model, c.platform, c.serving);
  BatchShape b;
  b.decode_seqs = 96 * 160;
  b.decode_kv_tokens = double(b.decode_seqs) * 4096;
  const double t = pm.step_time(b).total;
  const auto m = evaluate_pool(c.model, c.platform, c.serving, c.pool);
  CHECK(pm.tokens_per_step() == Approx(1.7));
  CHECK(m.at("output_tokens_per_s_per_chip") == Approx(96 * 1.7 / t));
  CHECK(m.at("tpot_ms") == Approx(t / 1.7 * 1e3));
}

TEST_CASE("a prefill pool's TTFT is the forward passes its prompt takes at that batch", "[validation]") {
  ValidationCase c = load_case(repo("scenarios/validation/cloudmatrix384-910c-prefill.yaml"));
  const auto m = evaluate_pool(c.model, c.platform, c.serving, c.pool);
  // 16,384 tokens per NPU of 4,096-token prompts: each prompt finishes in one pass, and the
  // pass moves 16,384 tokens per chip at the throughput the case states.
  REQUIRE(c.pool.input_tokens <= c.pool.tokens_per_chip);
  const double pass_s = double(c.pool.tokens_per_chip) / m.at("input_tokens_per_s_per_chip");
  CHECK(m.at("ttft_ms") == Approx(pass_s * 1e3));
  // A prompt of 2.5 passes takes three.
  c.pool.input_tokens = c.pool.tokens_per_chip * c.serving.attention_tp * 5 / 2;
  const auto longer = evaluate_pool(c.model, c.platform, c.serving, c.pool);
  const double pass2 = double(c.pool.tokens_per_chip) / longer.at("input_tokens_per_s_per_chip");
  CHECK(longer.at("ttft_ms") == Approx(3 * pass2 * 1e3));
}

TEST_CASE("routing imbalance: balanced is 1, skew hurts, EPLB with replicas repairs it", "[routing]") {
  Routing bal;
  bal.type = "balanced";
  CHECK(static_imbalance(bal, 256, 0, 32) == 1.0);
  Routing z;
  z.type = "zipf";
  z.skew = 0.5;
  z.eplb = false;
  const double stat = static_imbalance(z, 256, 0, 32);
  Routing e = z;
  e.eplb = true;
  const double none = static_imbalance(e, 256, 0, 32), some = static_imbalance(e, 256, 32, 32);
  CHECK(stat > 1.3);
  CHECK(none < stat);   // load-aware placement beats a blind one
  CHECK(some <= none);  // replicas of the hottest experts help further
  CHECK(some < 1.05);
  Routing f;
  f.type = "fixed";
  f.imbalance = 1.3;
  CHECK(static_imbalance(f, 256, 0, 32) == 1.3);
  // Finite batches: the busiest of 32 chips expects sqrt(2 ln 32) standard deviations more.
  CHECK(routed_tokens_on_busiest_chip(100, 1.0, true, 32) == 100);
  CHECK(routed_tokens_on_busiest_chip(100, 1.0, false, 32) == Approx(100 + std::sqrt(2 * std::log(32.0) * 100)));
}

TEST_CASE("measured routing law: the published EPLB figures, EP degree and tokens per step", "[routing]") {
  Routing law;  // the default: measured, with EPLB
  CHECK(law.type == "measured");
  CHECK(law.eplb);
  // One chip, or below the knee: nothing to balance.
  CHECK(static_imbalance(law, 256, 32, 1) == 1.0);
  CHECK(static_imbalance(law, 256, 0, 2) == 1.0);
  // Against the LMSYS 2025-05-05 balancedness (EPLB: 1.06 1.11 1.25 1.24 at EP 8 16 32 72)
  // within the fit's residuals, and rising with the degree.
  const double ep8 = static_imbalance(law, 256, 32, 8), ep32 = static_imbalance(law, 256, 32, 32);
  const double ep72 = static_imbalance(law, 256, 32, 72), ep144 = static_imbalance(law, 256, 32, 144);
  CHECK(ep8 == Approx(1.06).epsilon(0.03));
  CHECK(ep32 == Approx(1.25).epsilon(0.11));
  CHECK(ep72 == Approx(1.24).epsilon(0.07));
  CHECK(ep8 < ep32);
  CHECK(ep72 < ep144);
  CHECK(ep144 == Approx(1 + 0.0716 * (std::log(144.0) - 1.214)));
  // TensorRT-LLM part 1, Table 1: EP32 with EPLB, 128 tokens per rank (1,024 routed per
  // rank), measured per iteration at 1.109 max/mean: the law plus the finite-batch excess,
  // within the fit's residual (the sources disagree at EP32: config/routing.h).
  const double per_iteration = routed_tokens_on_busiest_chip(1024, ep32, false, 32) / 1024;
  CHECK(per_iteration == Approx(1.109).epsilon(0.13));  // the fit leaves +13% here
  // More tokens per step: the excess shrinks toward the static law.
  CHECK(routed_tokens_on_busiest_chip(16 * 1024, ep32, false, 32) / (16 * 1024) < per_iteration);
  // Without EPLB (LMSYS: 1.49 at EP8, 2.10 at EP64).
  Routing blind;
  blind.eplb = false;
  CHECK(static_imbalance(blind, 256, 0, 8) == Approx(1.49).epsilon(0.03));
  CHECK(static_imbalance(blind, 256, 0, 64) == Approx(2.10).epsilon(0.07));
}

TEST_CASE("node-limited hierarchical dispatch sends less over the NIC than direct dispatch", "[perf][dispatch]") {
  ValidationCase c = load_case(repo("scenarios/validation/deepseek-profile-h800-prefill.yaml"));
  BatchShape b;
  b.prefill_tokens = 16384 * 32;
  b.max_chunk = 4096;
  b.prefill_attn_pairs = 4.0 * 32 * 4096.0 * 4097 / 2;
  b.prefill_seqs_done = 128;
  auto comm = [&](const std::string& mode, int limit) {
    Serving s = c.serving;
    s.dispatch = mode;
    s.node_limit = limit;
    return PerfModel(c.model, c.platform, s).step_time(b).comm;
  };
  // 32 chips over 4 nodes: a token's 8 experts touch ~3.6 nodes; direct sends ~6 copies
  // across the NIC instead of ~2.7 once per remote node.
  CHECK(comm("hierarchical", 0) < 0.6 * comm("direct", 0));
  CHECK(comm("hierarchical", 2) < comm("hierarchical", 0));
  // Inside one scale-up domain the mode does not matter.
  ValidationCase d = load_case(repo("scenarios/validation/cloudmatrix384-910c-prefill.yaml"));
  Serving h = d.serving, x = d.serving;
  h.dispatch = "hierarchical";
  x.dispatch = "direct";
  CHECK(PerfModel(d.model, d.platform, h).step_time(b).comm == PerfModel(d.model, d.platform, x).step_time(b).comm);
}

TEST_CASE("calibration recovers a known stack from its own predictions", "[calibration]") {
  // Cases whose "measurements" are the model's own predictions under a known stack.
  std::vector<ValidationCase> cases = load_cases({repo("scenarios/validation")});
  Stack truth;
  std::vector<const ValidationCase*> cuda;  // the Hopper cases
  for (auto& c : cases) {
    if (c.platform.stack_file.find("cuda-hopper") == std::string::npos) continue;
    truth = c.platform.stack;
    truth.gemm_efficiency = 0.5;
    truth.scale_out_efficiency = 0.65;
    truth.attention_efficiency = 0.45;
    c.measured = evaluate_with(c, truth);
    cuda.push_back(&c);
  }
  REQUIRE(cuda.size() == 6);
  Stack start = cuda[0]->platform.stack;
  start.prior = nullptr;  // fit from the file's current values
  const FitResult fit = fit_stack(cuda, start, 0.0);
  CHECK(fit.rms_log_error < 0.005);
  for (const ValidationCase* c : cuda)
    for (const auto& [metric, v] : c->measured)
      CHECK(evaluate_with(*c, fit.stack).at(metric) == Approx(v).epsilon(0.01));
  // The parameters the cases are most sensitive to come back.
  CHECK(fit.stack.scale_out_efficiency == Approx(0.65).epsilon(0.05));
}

TEST_CASE("calibration writes the fitted values into the stack file, keeping its prior", "[calibration]") {
  const stacksim::test::TempDir tmp("stacksim-cal");
  const std::string dir = tmp.path();
  const std::string path = dir + "/s.yaml";
  std::ofstream(path)
      << "name: t\n# a comment\ngemm_efficiency: 0.6   # why\nattention_efficiency: 0.5\n"
         "memory_efficiency: 0.8\nscale_up_efficiency: 0.7\nscale_out_efficiency: 0.8\n"
         "layer_overhead: 20 us\nstep_overhead: 2 ms\nkernel_floor: 2 us\nlaunch_latency: 4 us\nhbm_reserved: 10 GB\n"
         "dispatch_latency: 30 us\ncombine_latency: 20 us\nall_reduce_latency: 7 us\n";
  Stack s;
  s.gemm_efficiency = 0.55;
  s.attention_efficiency = 0.45;
  s.memory_efficiency = 0.75;
  s.scale_up_efficiency = 0.65;
  s.scale_out_efficiency = 0.85;
  s.layer_overhead = 21e-6;
  s.step_overhead = 1.5e-3;
  for (int round = 0; round < 2; ++round)
    write_stack_file(path, s, {"case-a", "case-b"}, {"memory_efficiency"}, 0.03, "2026-11-29",
                     "stacksim calibrate --write x");
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  const std::string t = text.str();
  CHECK(t.find("gemm_efficiency: 0.550") != std::string::npos);
  CHECK(t.find("# why") != std::string::npos);
  CHECK(t.find("Fitted to: case-a case-b") != std::string::npos);
  CHECK(t.find("# At prior (no case moves them by 2%: assumptions, not measurements): memory_efficiency\n") !=
        std::string::npos);
  CHECK(t.find("on 2026-11-29") != std::string::npos);
  // One calibration block and one prior, holding the values before the first write.
  CHECK(t.find("-- calibrated by") == t.rfind("-- calibrated by"));
  CHECK(t.find("prior:") == t.rfind("prior:"));
  CHECK(t.find("  gemm_efficiency: 0.6\n") != std::string::npos);
  MapReader r(load_yaml_file(path), path, "");
  const Stack back = stack_from_yaml(r);
  CHECK(back.gemm_efficiency == Approx(0.55));
  CHECK(back.step_overhead == Approx(1.5e-3));
  REQUIRE(back.prior);
  CHECK(back.prior->gemm_efficiency == Approx(0.6));
}

TEST_CASE("a case's tolerance may differ per metric", "[validation]") {
  const stacksim::test::TempDir tmp("stacksim-case");
  const std::string dir = tmp.path();
  const std::string path = dir + "/c.yaml";
  const std::string ok = repo("tests/malformed/ok/");
  std::ofstream(path) << "case: c\nsource: test\nplatform: " << ok << "platform.yaml\nmodel: " << ok
                      << "model.yaml\nserving: {chips: 4, chips_per_instance: 4}\n"
                         "pool: {phase: decode, batch_per_chip: 16, kv_tokens: 2000}\n"
                         "measured: {output_tokens_per_s_per_chip: 100, tpot_ms: 20}\n"
                         "tolerance: {output_tokens_per_s_per_chip: 0.1, tpot_ms: 0.25}\n";
  const std::vector<ValidationRow> rows = validate({load_case(path)});
  REQUIRE(rows.size() == 2);
  for (const ValidationRow& r : rows) CHECK(r.tolerance == (r.metric == "tpot_ms" ? 0.25 : 0.1));
}

TEST_CASE("a case's set: overrides platform and fixed stack keys, and calibration keeps them", "[validation]") {
  const stacksim::test::TempDir tmp("stacksim-case");
  const std::string ok = repo("tests/malformed/ok/");
  const auto write = [&](const std::string& name, const std::string& set) {
    const std::string path = tmp.path() + "/" + name;
    std::ofstream(path) << "case: " << name << "\nsource: test\nplatform: " << ok << "platform.yaml\nmodel: " << ok
                        << "model.yaml\n"
                        << set
                        << "serving: {chips: 4, chips_per_instance: 4}\n"
                           "pool: {phase: decode, batch_per_chip: 16, kv_tokens: 2000}\n"
                           "measured: {tpot_ms: 20}\ntolerance: 0.1\n";
    return load_case(path);
  };
  const ValidationCase base = write("base.yaml", "");
  // Every step's dispatch and combine take 100 us more per MoE layer (3 of the 4 layers).
  const ValidationCase floored =
      write("floored.yaml", "set: {platform.stack.dispatch_latency: 60 us, platform.stack.combine_latency: 40 us}\n");
  CHECK(floored.platform.stack.dispatch_latency == Approx(60e-6));
  CHECK(floored.platform.stack.gemm_efficiency == base.platform.stack.gemm_efficiency);
  const double t0 = evaluate_with(base, base.platform.stack).at("tpot_ms");
  // Evaluated with the stack calibration would try (the base's), the case keeps its floors.
  const double t1 = evaluate_with(floored, base.platform.stack).at("tpot_ms");
  CHECK(t1 > t0);
  CHECK(t1 == Approx(evaluate_pool(floored.model, floored.platform, floored.serving, floored.pool).at("tpot_ms")));
  // A model override: FP8 weights on the chip's FP8 units read half the bytes.
  const ValidationCase fp8 =
      write("fp8.yaml", "set: {model.precision.weights: fp8, model.precision.activations: fp8}\n");
  CHECK(fp8.model.weight_bytes() == Approx(base.model.weight_bytes() / 2));
}

TEST_CASE("a case on another fabric states its efficiency, and it scales the links it crosses", "[validation]") {
  // The SGLang H100 prefill runs EP32 over 4 nodes: its dispatch and combine cross the
  // InfiniBand the Hopper stack was fitted on. Said to be RoCE delivering 0.5 of it, every
  // byte over the scale-out takes twice as long; within a node nothing changes.
  const stacksim::test::TempDir tmp("stacksim-case");
  std::ifstream in(repo("scenarios/validation/sglang-h100-prefill-4k.yaml"));
  std::stringstream text;
  text << in.rdbuf();
  const std::string base_text = std::regex_replace(text.str(), std::regex("\\.\\./\\.\\./"), repo(""));
  const auto write = [&](const std::string& name, const std::string& set) {
    const std::string path = tmp.path() + "/" + name;
    std::ofstream(path) << base_text << set;
    return load_case(path);
  };
  const ValidationCase ib = write("ib.yaml", "");
  const ValidationCase roce =
      write("roce.yaml", "set: {platform.scale_out.fabric: roce, platform.scale_out.efficiency: 0.5}\n");
  CHECK(roce.platform.scale_out.efficiency == 0.5);
  const PerfModel a(ib.model, ib.platform, ib.serving), b(roce.model, roce.platform, roce.serving);
  BatchShape prefill;  // every rank's forward pass at the case's 16,384 tokens per chip
  prefill.prefill_tokens = 16384 * 32;
  prefill.prefill_attn_pairs = 4.0 * 32 * 4096 * 4096 / 2;
  prefill.prefill_seqs_done = 4 * 32;
  prefill.max_chunk = 4096;
  const StepTime sa = a.step_time(prefill), sb = b.step_time(prefill);
  CHECK(sb.comm > sa.comm);
  CHECK(sb.attention == sa.attention);
  CHECK(sb.experts == sa.experts);
  CHECK(evaluate_pool(roce.model, roce.platform, roce.serving, roce.pool).at("input_tokens_per_s_per_chip") <
        evaluate_pool(ib.model, ib.platform, ib.serving, ib.pool).at("input_tokens_per_s_per_chip"));
  // Without the efficiency, the fabric alone is an error at its key.
  CHECK_THROWS_AS(write("bad.yaml", "set: {platform.scale_out.fabric: roce}\n"), ConfigError);
}
