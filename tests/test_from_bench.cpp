// `stacksim calibrate --from-bench`: benchmark results written by hand in vLLM's and
// SGLang's formats, whose figures come from a run of the tiny cluster with known stack
// parameters (gemm 0.40, memory 0.56 instead of the stack's 0.50 and 0.80); the fit must
// recover them within 5%, the case file it writes must validate, and bad files fail with
// the file and key.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "helpers.h"

using stacksim::test::bin;
using stacksim::test::data;
using stacksim::test::read;
using stacksim::test::shell;

namespace {

const char* kWorkload =
    "workload={name: bench, type: closed_loop, users: 16, requests: 200, input_tokens: {distribution: fixed, value: "
    "2000}, output_tokens: {distribution: fixed, value: 200}}";

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// The "measured" run: the tiny cluster with the true parameters, as stacksim's --bench-json.
nlohmann::json truth(const std::string& dir) {
  const auto r = shell(bin() + " run " + data("busy.yaml") + " -q --set '" + kWorkload +
                       "' --set platform.stack.gemm_efficiency=0.4 --set platform.stack.memory_efficiency=0.56"
                       " --bench-json " +
                       dir + "/truth.json");
  REQUIRE(r.code == 0);
  return nlohmann::json::parse(read(dir + "/truth.json"));
}

// The fitted value of `param` in calibrate's parameter table ("name | stack | fitted").
double fitted(const std::string& output, const std::string& param) {
  std::smatch m;
  REQUIRE(std::regex_search(output, m, std::regex(param + R"( *\| *[0-9.]+ *\| *([0-9.]+))")));
  return std::stod(m[1]);
}

// busy.yaml on a copy of the tiny platform whose stack is a file (so a fit can inherit it).
std::string stack_file_scenario(const std::string& dir) {
  std::string platform = read(data("tiny-platform.yaml"));
  const size_t at = platform.find("stack:\n");
  REQUIRE(at != std::string::npos);
  // The stack block's indented lines go to the stack file; the keys after it stay.
  std::stringstream ss(platform.substr(at + 7));
  std::string stack, rest;
  for (std::string line; std::getline(ss, line);) {
    if (rest.empty() && line.compare(0, 2, "  ") == 0)
      stack += line.substr(2) + "\n";
    else
      rest += line + "\n";
  }
  write(dir + "/stack.yaml", stack);
  write(dir + "/platform.yaml", platform.substr(0, at) + "stack: stack.yaml\n" + rest);
  std::string scenario = read(data("busy.yaml"));
  scenario = std::regex_replace(scenario, std::regex("platform: tiny-platform.yaml"), "platform: platform.yaml");
  scenario = std::regex_replace(scenario, std::regex("model: tiny-moe.yaml"), "model: " + data("tiny-moe.yaml"));
  write(dir + "/cluster.yaml", scenario);
  return dir + "/cluster.yaml";
}

}  // namespace

TEST_CASE("calibrate --from-bench recovers known stack parameters from a vLLM result", "[cli][from-bench]") {
  const stacksim::test::TempDir tmp("stacksim-bench-fit");
  const std::string dir = tmp.path();
  nlohmann::json b = truth(dir);
  // vLLM's run description (`vllm bench serve --max-concurrency 16 --request-rate inf`) and
  // its per-request lists.
  b["request_rate"] = "inf";
  b["burstiness"] = 1.0;
  b["max_concurrency"] = 16;
  b["num_prompts"] = 200;
  b["endpoint_type"] = "openai";
  b["input_lens"] = std::vector<int>(200, 2000);
  b["output_lens"] = std::vector<int>(200, 200);
  write(dir + "/vllm.json", b.dump(1));
  const std::string sc = stack_file_scenario(dir);
  const auto r = shell(bin() + " calibrate --from-bench " + dir + "/vllm.json --scenario " + sc + " --write-case " +
                       dir + "/case.yaml --write-stack " + dir + "/fitted-stack.yaml");
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("vllm bench serve, 200 requests kept 16 at once, 2000 / 200 tokens") != std::string::npos);
  CHECK(fitted(r.output, "gemm_efficiency") == Approx(0.40).epsilon(0.05));
  CHECK(fitted(r.output, "memory_efficiency") == Approx(0.56).epsilon(0.05));
  // The fitted stack inherits the platform's; a platform on it reproduces the benchmark.
  const std::string stack = read(dir + "/fitted-stack.yaml");
  CHECK(stack.find("inherits: stack.yaml") != std::string::npos);
  std::string platform = read(dir + "/platform.yaml");
  write(dir + "/platform.yaml",
        std::regex_replace(platform, std::regex("stack: stack.yaml"), "stack: fitted-stack.yaml"));
  const auto check =
      shell(bin() + " calibrate --from-bench " + dir + "/vllm.json --scenario " + sc + " --check --tolerance 0.02");
  INFO(check.output);
  CHECK(check.code == 0);  // every metric within 2% with the fitted stack
  // The case file validates (with the stack as it now is: the fitted one).
  const auto v = shell(bin() + " validate " + dir + "/case.yaml");
  INFO(v.output);
  CHECK(v.code == 0);
  CHECK(v.output.find("tpot_ms_p50") != std::string::npos);
}

TEST_CASE("calibrate --from-bench reads SGLang's JSON lines, Infinity included", "[cli][from-bench]") {
  const stacksim::test::TempDir tmp("stacksim-bench-fit");
  const std::string dir = tmp.path();
  const nlohmann::json t = truth(dir);
  // `python -m sglang.bench_serving --request-rate inf --max-concurrency 16 --output-file
  // r.jsonl` appends a line per run (json.dumps writes inf as Infinity): an earlier run first.
  std::string line = R"({"backend": "sglang", "dataset_name": "random", "request_rate": Infinity, )"
                     R"("max_concurrency": 16, "random_input_len": 2000, "random_output_len": 200, )"
                     R"("random_range_ratio": 1.0, )";
  const std::vector<std::pair<const char*, const char*>> keys = {{"duration", "duration"},
                                                                 {"completed", "completed"},
                                                                 {"total_input_tokens", "total_input_tokens"},
                                                                 {"total_output_tokens", "total_output_tokens"},
                                                                 {"request_throughput", "request_throughput"},
                                                                 {"output_throughput", "output_throughput"},
                                                                 {"mean_e2e_latency_ms", "mean_e2el_ms"},
                                                                 {"median_e2e_latency_ms", "median_e2el_ms"},
                                                                 {"mean_ttft_ms", "mean_ttft_ms"},
                                                                 {"median_ttft_ms", "median_ttft_ms"},
                                                                 {"p99_ttft_ms", "p99_ttft_ms"},
                                                                 {"mean_tpot_ms", "mean_tpot_ms"},
                                                                 {"median_tpot_ms", "median_tpot_ms"},
                                                                 {"p99_tpot_ms", "p99_tpot_ms"},
                                                                 {"median_itl_ms", "median_itl_ms"}};
  for (const auto& [sglang, vllm] : keys) line += "\"" + std::string(sglang) + "\": " + t[vllm].dump() + ", ";
  line += R"("concurrency": 15.2, "accept_length": null})";
  const std::string earlier =
      std::regex_replace(line, std::regex(R"("median_tpot_ms": [0-9.e+-]+)"), R"("median_tpot_ms": 99.0)");
  write(dir + "/sglang.jsonl", earlier + "\n" + line + "\n");
  const auto r = shell(bin() + " calibrate --from-bench " + dir + "/sglang.jsonl --scenario " + data("busy.yaml"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("SGLang bench_serving, 200 requests kept 16 at once") != std::string::npos);
  CHECK(fitted(r.output, "gemm_efficiency") == Approx(0.40).epsilon(0.05));
  CHECK(fitted(r.output, "memory_efficiency") == Approx(0.56).epsilon(0.05));
  // --check with the stack as it is: outside 5%, exit 1; within 20%, exit 0.
  CHECK(shell(bin() + " calibrate --from-bench " + dir + "/sglang.jsonl --scenario " + data("busy.yaml") +
              " --check --tolerance 0.05")
            .code == 1);
  CHECK(shell(bin() + " calibrate --from-bench " + dir + "/sglang.jsonl --scenario " + data("busy.yaml") +
              " --check --tolerance 0.2")
            .code == 0);
}

TEST_CASE("calibrate --from-bench turns a request rate into Poisson or gamma arrivals", "[cli][from-bench]") {
  const stacksim::test::TempDir tmp("stacksim-bench-fit");
  const std::string dir = tmp.path();
  nlohmann::json b = truth(dir);
  b["request_rate"] = 20.0;
  b["burstiness"] = 4.0;
  b["max_concurrency"] = nullptr;
  b["num_prompts"] = 200;
  write(dir + "/rate.json", b.dump());
  const auto r = shell(bin() + " calibrate --from-bench " + dir + "/rate.json --scenario " + data("busy.yaml") +
                       " --check --write-case " + dir + "/case.yaml");
  INFO(r.output);
  CHECK((r.code == 0 || r.code == 1));
  const std::string c = read(dir + "/case.yaml");
  CHECK(c.find("type: stream, arrival: {type: gamma, rate: 20/s, cv: 0.5}, requests: 200") != std::string::npos);
}

TEST_CASE("calibrate --from-bench rejects bad results and options with one line, exit 2", "[cli][from-bench]") {
  const stacksim::test::TempDir tmp("stacksim-bench-fit");
  const std::string dir = tmp.path();
  write(dir + "/text.json", "not json at all\n");
  write(dir + "/other.json", R"({"foo": 1})");
  write(dir + "/nocompleted.json", R"({"mean_e2el_ms": 1, "request_rate": 1, "total_input_tokens": 10,)"
                                   R"( "total_output_tokens": 10, "output_throughput": 5})");
  write(dir + "/ok.json", R"({"mean_e2el_ms": 1, "request_rate": 1, "completed": 2, "total_input_tokens": 10,)"
                          R"( "total_output_tokens": 10, "output_throughput": 5})");
  write(dir + "/zero.json", R"({"mean_e2el_ms": 1, "request_rate": 0, "completed": 1})");
  const std::string base = bin() + " calibrate --scenario " + data("busy.yaml") + " --from-bench " + dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {base + "/text.json", "text.json:1:1: not a benchmark result"},
      {base + "/other.json", "other.json:1:1: neither a `vllm bench serve` result"},
      {base + "/nocompleted.json", "nocompleted.json:1:1: completed: missing"},
      {base + "/zero.json", "zero.json:1:1: request_rate: must be more than 0"},
      {base + "/missing.json", "missing.json: cannot read the file"},
      {base + "/text.json --fit speed", "--fit speed: \"speed\" is not a fitted stack parameter"},
      {bin() + " calibrate --from-bench " + dir + "/text.json", "--from-bench needs --scenario"},
      {bin() + " calibrate --from-bench " + dir + "/ok.json --scenario " + data("variants.yaml"), "variants"},
      {base + "/ok.json --write-stack " + dir + "/s.yaml", "its stack is inline"},
      {base + "/ok.json --check --write-stack " + dir + "/s.yaml", "--write-stack needs a fit"},
  };
  for (const auto& [cmd, message] : cases) {
    INFO(cmd);
    const auto r = shell(cmd);
    INFO(r.output);
    CHECK(r.code == 2);
    CHECK(r.output.find(message) != std::string::npos);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  }
}
