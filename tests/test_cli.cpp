// End-to-end tests of the stacksim binary: determinism, bad input, help.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "helpers.h"
#include "metrics/metrics.h"
#include "serving/request_log.h"

using stacksim::test::bin;
using stacksim::test::data;
using stacksim::test::read;
using stacksim::test::shell;

namespace {

bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// A valid scenario whose lines the malformed variants below replace.
std::string scenario(const std::string& serving_block, const std::string& extra = "") {
  return "name: t\n"
         "platform: " +
         data("tiny-platform.yaml") +
         "\n"
         "model: " +
         data("tiny-moe.yaml") +
         "\n"
         "workload: " +
         data("tiny-workload.yaml") + "\n" + serving_block + extra;
}

}  // namespace

TEST_CASE("the same seed gives byte-identical JSON", "[cli][determinism]") {
  const stacksim::test::TempDir tmp;
  const std::string dir = tmp.path();
  const std::string cmd = bin() + " run " + data("busy.yaml") + " -q -o ";
  REQUIRE(shell(cmd + dir + "/a.json").code == 0);
  REQUIRE(shell(cmd + dir + "/b.json --jobs 2").code == 0);
  const std::string a = read(dir + "/a.json"), b = read(dir + "/b.json");
  CHECK(a.size() > 1000);
  CHECK(a == b);
  // A different seed gives a different run.
  REQUIRE(shell(cmd + dir + "/c.json --set seed=12").code == 0);
  CHECK(read(dir + "/c.json") != a);
}

TEST_CASE("variants give byte-identical outputs across runs and --jobs counts", "[cli][determinism]") {
  // Four variants (routers, disaggregation, another seed) in 1, 2 and 4 processes, twice.
  const stacksim::test::TempDir tmp;
  const std::string dir = tmp.path();
  const std::string cmd = bin() + " run " + data("variants.yaml") + " -q -o " + dir + "/";
  for (const char* jobs : {"1", "2", "4"})
    for (const char* round : {"a", "b"}) REQUIRE(shell(cmd + jobs + round + ".json --jobs " + jobs).code == 0);
  const std::string first = read(dir + "/1a.json");
  CHECK(first.size() > 4000);
  CHECK(first.find("\"disaggregated\"") != std::string::npos);
  for (const char* name : {"1b", "2a", "2b", "4a", "4b"}) {
    INFO(name);
    CHECK(read(dir + "/" + name + ".json") == first);
  }
  // info's figures too.
  REQUIRE(shell(bin() + " info " + data("variants.yaml") + " -q -o " + dir + "/i1.json").code == 0);
  REQUIRE(shell(bin() + " info " + data("variants.yaml") + " -q -o " + dir + "/i2.json").code == 0);
  CHECK(read(dir + "/i1.json") == read(dir + "/i2.json"));
}

TEST_CASE("malformed scenarios give one error line naming file, line and key; exit 2; no output", "[cli][errors]") {
  const stacksim::test::TempDir tmp;
  const std::string dir = tmp.path();
  struct Case {
    const char* what;
    std::string text;
    std::string expect;  // substring of the one error line, after the file name
  };
  const std::string ok_serving = "serving:\n  chips: 4\n  chips_per_instance: 4\n";
  const std::vector<Case> cases = {
      {"unknown key", scenario("serving:\n  chips: 4\n  chips_per_instance: 4\n  chipz: 2\n"),
       ":8:3: serving.chipz: unknown key"},
      {"wrong unit", scenario(ok_serving, "simulation:\n  horizon: 5 parsecs\n"),
       ":9:12: simulation.horizon: expected a duration"},
      {"missing field", scenario("serving:\n  chips: 4\n"), ":6:3: serving.chips_per_instance: missing required key"},
      {"negative number", scenario("serving:\n  chips: -4\n  chips_per_instance: 4\n"),
       ":6:10: serving.chips: expected a whole number at least 1, found -4"},
      {"not a number", scenario("serving:\n  chips: many\n  chips_per_instance: 4\n"),
       ":6:10: serving.chips: expected a whole number"},
      {"bad choice", scenario(ok_serving + "  router: {type: random}\n"),
       ":8:18: serving.router.type: expected one of"},
      {"indivisible", scenario("serving:\n  chips: 6\n  chips_per_instance: 4\n"),
       ": serving.chips_per_instance: must divide serving.chips (6)"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const std::string file = dir + "/bad.yaml", out = dir + "/out.json";
    write(file, c.text);
    const auto r = shell(bin() + " run " + file + " -o " + out);
    CHECK(r.code == 2);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
    CHECK(r.output.rfind("stacksim: error: " + file, 0) == 0);
    CHECK(r.output.find(c.expect) != std::string::npos);
    CHECK_FALSE(exists(out));
    INFO(r.output);
  }
}

TEST_CASE("errors in referenced files and overrides name that file and key", "[cli][errors]") {
  const stacksim::test::TempDir tmp;
  const std::string dir = tmp.path();
  // A platform with a bandwidth given in bytes: the error points into the platform file.
  std::string platform = read(data("tiny-platform.yaml"));
  platform.replace(platform.find("hbm_bandwidth: 1 TB/s"), 21, "hbm_bandwidth: 1 TB");
  write(dir + "/p.yaml", platform);
  auto r = shell(bin() + " run " + data("lone.yaml") + " --set platform=" + dir + "/p.yaml");
  CHECK(r.code == 2);
  CHECK(r.output.find(dir + "/p.yaml:8:18: chip.hbm_bandwidth: expected a bandwidth") != std::string::npos);
  // An override with a wrong unit names the override.
  r = shell(bin() + " run " + data("lone.yaml") + " --set platform.chip.hbm_bandwidth=3");
  CHECK(r.code == 2);
  CHECK(r.output.find(
            "tiny-platform.yaml (--set platform.chip.hbm_bandwidth=3): chip.hbm_bandwidth: expected a bandwidth") !=
        std::string::npos);
  // Ownership pricing without a facility section cannot bill electricity.
  r = shell(
      bin() + " run " + data("lone.yaml") +
      " --set 'platform.cost={ownership: {capex_per_chip: $20000, lifetime: 4 y, electricity_price: $0.08/kWh}}'");
  CHECK(r.code == 2);
  CHECK(r.output.find("cost.ownership.electricity_price: ownership pricing needs the platform's facility section") !=
        std::string::npos);
  // A missing scenario file.
  r = shell(bin() + " run " + dir + "/nope.yaml");
  CHECK(r.code == 2);
  CHECK(r.output == "stacksim: error: " + dir + "/nope.yaml: cannot open file\n");
  // A bad command-line option.
  r = shell(bin() + " run --frobnicate");
  CHECK(r.code == 2);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
}

TEST_CASE("help documents every option", "[cli]") {
  auto r = shell(bin() + " --help");
  CHECK(r.code == 0);
  CHECK(r.output.find("stacksim run [SCENARIO.yaml]") != std::string::npos);
  r = shell(bin() + " run --help");
  CHECK(r.code == 0);
  for (const char* opt : {"--set", "--output", "--jobs", "--quiet"}) CHECK(r.output.find(opt) != std::string::npos);
}

TEST_CASE("run --bench-json writes vLLM's result keys, names and units", "[cli][bench]") {
  // tests/data/vllm-bench-result.json: written by hand in the format `vllm bench serve
  // --save-result --percentile-metrics ttft,tpot,itl,e2el --metric-percentiles 90,99
  // --goodput ...` saves (vllm/benchmarks/serve.py): the run's keys, its per-request
  // lists and the percentile keys.
  std::ifstream fx(stacksim::test::repo("tests/data/vllm-bench-result.json"));
  const nlohmann::json fixture = nlohmann::json::parse(fx);
  const stacksim::test::TempDir tmp("stacksim-bench");
  const std::string dir = tmp.path();
  const auto r =
      shell(bin() + " run " + data("lone.yaml") + " -q --bench-json " + dir + "/b.json -o " + dir + "/s.json");
  REQUIRE(r.code == 0);
  std::ifstream bi(dir + "/b.json"), si(dir + "/s.json");
  const nlohmann::json b = nlohmann::json::parse(bi), s = nlohmann::json::parse(si).at("scenarios").at(0);
  REQUIRE(b.is_object());  // one scenario: vLLM's one object
  std::vector<std::string> wanted = {
      "duration",           "completed",       "total_input_tokens", "total_output_tokens",
      "request_throughput", "request_goodput", "output_throughput",  "total_token_throughput"};
  for (const char* m : {"ttft", "tpot", "itl", "e2el"})
    for (const char* stat : {"mean", "median", "std", "p90", "p99"})
      wanted.push_back(std::string(stat) + "_" + m + "_ms");
  for (const std::string& k : wanted) {
    INFO(k);
    CHECK(fixture.contains(k));  // the list is vLLM's
    CHECK(b.contains(k));
  }
  for (const auto& [k, v] : b.items()) {
    INFO(k);
    CHECK(fixture.contains(k));  // and stacksim writes no key vLLM does not
  }
  // The same quantities: milliseconds of the summary's seconds, the same counts.
  CHECK(b["median_ttft_ms"].get<double>() == Approx(s["latency_s"]["ttft"]["p50"].get<double>() * 1e3));
  CHECK(b["p99_itl_ms"].get<double>() == Approx(s["latency_s"]["itl"]["p99"].get<double>() * 1e3));
  CHECK(b["std_tpot_ms"].get<double>() == Approx(s["latency_s"]["tpot"]["std"].get<double>() * 1e3));
  CHECK(b["mean_e2el_ms"].get<double>() == Approx(s["latency_s"]["e2e"]["mean"].get<double>() * 1e3));
  CHECK(b["completed"] == 1);
  CHECK(b["total_input_tokens"] == 3000);
  CHECK(b["total_output_tokens"] == 50);
  CHECK(b["duration"].get<double>() == Approx(s["simulated_seconds"].get<double>()));
  CHECK(b["request_throughput"].get<double>() == Approx(1 / b["duration"].get<double>()));
  // A lone request: every gap is one decode step, so ITL's mean is the TPOT.
  CHECK(b["mean_itl_ms"].get<double>() == Approx(b["mean_tpot_ms"].get<double>()));
}

namespace {

// The rows of a --requests CSV, each split into its cells (by stacksim's own reader).
std::vector<std::vector<std::string>> csv_rows(const std::string& path, std::string* header) {
  std::vector<std::vector<std::string>> rows;
  stacksim::read_csv(path, [&](const std::vector<std::string>& cells) { rows.push_back(cells); });
  REQUIRE(!rows.empty());
  header->clear();
  for (size_t i = 0; i < rows.front().size(); ++i) *header += (i ? "," : "") + rows.front()[i];
  rows.erase(rows.begin());
  return rows;
}

// busy.yaml run with `sets`, its records to DIR/r.csv and its summary to DIR/s.json.
struct Recorded {
  nlohmann::json summary;
  std::string header;
  std::vector<std::vector<std::string>> rows;
};
Recorded run_busy(const std::string& dir, const std::string& sets) {
  const auto run = shell(bin() + " run " + data("busy.yaml") + " -q " + sets + " --requests " + dir + "/r.csv -o " +
                         dir + "/s.json");
  REQUIRE(run.code == 0);
  std::ifstream si(dir + "/s.json");
  Recorded r;
  r.summary = nlohmann::json::parse(si).at("scenarios").at(0);
  r.rows = csv_rows(dir + "/r.csv", &r.header);
  return r;
}

}  // namespace

TEST_CASE("run --requests writes one record per request, from which the percentiles recompute exactly",
          "[cli][requests]") {
  const stacksim::test::TempDir tmp("stacksim-requests");
  // busy.yaml: 3,000 requests; with a 20K-token context the longest are rejected.
  const Recorded r = run_busy(tmp.path(), "--set model.max_context=20000");
  const nlohmann::json& s = r.summary;
  const auto& rows = r.rows;
  CHECK(r.header == stacksim::RequestLog::header());
  REQUIRE(rows.size() == s["requests"]["generated"].get<size_t>());
  std::vector<double> ttft, e2e, tpot;
  int64_t rejected = 0;
  std::set<int64_t> ids;
  for (const auto& c : rows) {
    REQUIRE(c.size() == 16);
    ids.insert(std::stoll(c[1]));
    if (c[14] == "rejected") {
      ++rejected;
      CHECK(c[15] == "exceeds_model_context");
      CHECK(c[5].empty());
      continue;
    }
    REQUIRE(c[14] == "completed");
    const double arrival = std::strtod(c[3].c_str(), nullptr), first = std::strtod(c[4].c_str(), nullptr),
                 finish = std::strtod(c[5].c_str(), nullptr);
    const int64_t out = std::stoll(c[7]);
    CHECK(std::stoll(c[8]) == out);
    ttft.push_back(first - arrival);
    e2e.push_back(finish - arrival);
    if (out > 1) tpot.push_back((finish - first) / double(out - 1));
  }
  CHECK(ids.size() == rows.size());  // each request once
  CHECK(rejected == s["requests"]["rejected"].get<int64_t>());
  CHECK(rejected > 0);
  const auto lat = s["latency_s"];
  for (auto [v, key] : {std::pair{&ttft, "ttft"}, std::pair{&e2e, "e2e"}, std::pair{&tpot, "tpot"}}) {
    const stacksim::Percentiles p = stacksim::percentiles(*v);
    INFO(key);
    CHECK(p.count == lat[key]["count"].get<int64_t>());
    CHECK(p.p50 == lat[key]["p50"].get<double>());  // exactly: every digit written
    CHECK(p.p90 == lat[key]["p90"].get<double>());
    CHECK(p.p99 == lat[key]["p99"].get<double>());
  }
}

TEST_CASE("run --requests records the requests a horizon leaves in flight", "[cli][requests]") {
  const stacksim::test::TempDir tmp("stacksim-requests");
  const std::string dir = tmp.path();
  const Recorded r = run_busy(dir, "--set simulation.horizon=2s");
  const nlohmann::json& s = r.summary;
  const auto& rows = r.rows;
  int64_t in_flight = 0;
  for (const auto& c : rows) in_flight += c[14] == "in_flight" && c[5].empty();
  CHECK(rows.size() == s["requests"]["generated"].get<size_t>());
  CHECK(in_flight == s["requests"]["in_flight"].get<int64_t>());
  CHECK(in_flight > 0);
  // Only the file asked for is left: the part files are gone.
  CHECK(shell("ls " + dir).output == "r.csv\ns.json\n");
}
