// The outputs people bring to their own tools (issue 16): `stacksim run --requests
// --timeline --trace --bench-json` on the coding-serving scenario, checked against its
// summary and the performance model; the observers leave the simulation as it was.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "helpers.h"
#include "metrics/metrics.h"
#include "perf/perf_model.h"
#include "serving/request_log.h"
#include "serving/timeline.h"

using stacksim::test::bin;
using stacksim::test::data;
using stacksim::test::repo;
using stacksim::test::shell;

namespace {

// A CSV (read by stacksim's own reader): its header's columns and its rows' cells, by column name.
struct Csv {
  std::map<std::string, size_t> col;
  std::vector<std::vector<std::string>> rows;
  explicit Csv(const std::string& path) {
    stacksim::read_csv(path, [&](const std::vector<std::string>& cells) {
      if (!header.empty()) {
        rows.push_back(cells);
        return;
      }
      for (size_t i = 0; i < cells.size(); ++i) {
        col[cells[i]] = i;
        header += (i ? "," : "") + cells[i];
      }
    });
  }
  const std::string& at(const std::vector<std::string>& row, const std::string& name) const {
    return row.at(col.at(name));
  }
  double num(const std::vector<std::string>& row, const std::string& name) const {
    return std::strtod(at(row, name).c_str(), nullptr);
  }
  std::string header;
};

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// Every leaf of `a` and `b` equal, except in the last digits of inter-token latencies (the
// timeline cuts coalesced decode spans at its boundaries, so the instances report their
// steps in another order, and the sums add them in it); 1e-13 relative. The engine's
// counts of decode spans and events differ for the same reason; its steps do not.
void check_same_summary(const nlohmann::json& a, const nlohmann::json& b, const std::string& path = "") {
  INFO(path);
  REQUIRE(a.type() == b.type());
  if (a.is_structured()) {
    REQUIRE(a.size() == b.size());
    for (auto it = a.begin(); it != a.end(); ++it) {
      const std::string key = a.is_object() ? it.key() : std::to_string(std::distance(a.begin(), it));
      if (key == "wall_seconds" || key == "decode_spans" || key == "calendar_events" || key == "events" ||
          key == "simgrid_activities" || key == "activities")
        continue;
      check_same_summary(*it, a.is_object() ? b.at(it.key()) : b.at(std::stoul(key)), path + "." + key);
    }
    return;
  }
  if (a == b) return;
  REQUIRE(a.is_number_float());
  const double x = a.get<double>(), y = b.get<double>();
  // (A standard deviation, computed from sums of squares, loses digits to cancellation.)
  const bool stdev = path.size() > 4 && path.compare(path.size() - 4, 4, ".std") == 0;
  CHECK(std::abs(x - y) <= (stdev ? 1e-9 : 1e-13) * std::max(std::abs(x), std::abs(y)));
  const bool energy = path.find("cost") != std::string::npos || path.find("usd") != std::string::npos;
  CHECK((energy || path.find(".itl.") != std::string::npos));
}

// The timeline's rows of `scenario`, summed, against its summary `s`.
void check_timeline_totals(const Csv& t, const nlohmann::json& s) {
  const std::string name = s["scenario"];
  INFO(name);
  int64_t arrivals = 0, completed = 0, rejected = 0, in = 0, out = 0;
  double usd = 0, energy = 0, end = 0, busy_chip_s = 0, kv_token_s = 0, kv_capacity = 0;
  std::set<int> pools;
  for (const auto& r : t.rows) {
    if (t.at(r, "scenario") != name) continue;
    const int pool = std::stoi(t.at(r, "pool"));
    const nlohmann::json& p = s["pools"].at(size_t(pool));
    const double dt = t.num(r, "end_s") - t.num(r, "start_s");
    if (pool == 0) arrivals += std::stoll(t.at(r, "arrivals"));
    completed += std::stoll(t.at(r, "completed"));
    rejected += std::stoll(t.at(r, "rejected"));
    in += std::stoll(t.at(r, "completed_input_tokens"));
    out += std::stoll(t.at(r, "completed_output_tokens"));
    usd += t.num(r, "usd");
    energy += t.num(r, "energy_j");
    end = std::max(end, t.num(r, "end_s"));
    busy_chip_s += t.num(r, "busy") * dt * p["chips"].get<double>();
    const double capacity = p["kv_capacity_tokens_per_instance"].get<double>() * p["instances"].get<double>();
    kv_token_s += t.num(r, "kv_use_mean") * dt * capacity;
    if (pools.insert(pool).second) kv_capacity += capacity;
    CHECK(t.num(r, "kv_use") >= 0);
    CHECK(t.num(r, "kv_use") <= 1);
    // The last row also holds the steps in flight at a horizon (as the summary does).
    if (t.num(r, "end_s") < s["simulated_seconds"].get<double>()) CHECK(t.num(r, "busy") <= 1 + 1e-12);
  }
  const double span = s["simulated_seconds"];
  const nlohmann::json& c = s["cost"];
  CHECK(pools.size() == s["pools"].size());
  CHECK(arrivals == s["requests"]["generated"].get<int64_t>());
  CHECK(completed == s["requests"]["completed"].get<int64_t>());
  CHECK(rejected == s["requests"]["rejected"].get<int64_t>());
  CHECK(double(in) == Approx(s["throughput"]["input_tokens_per_s"].get<double>() * span).epsilon(1e-12));
  CHECK(double(out) == Approx(s["throughput"]["output_tokens_per_s"].get<double>() * span).epsilon(1e-12));
  CHECK(end == span);
  CHECK(usd == Approx(c["usd_total"].get<double>()).epsilon(1e-12));
  CHECK(energy / 3.6e6 == Approx(c["chip_energy_kwh"].get<double>()).epsilon(1e-12));
  CHECK(busy_chip_s / (c["chip_hours"].get<double>() * 3600) == Approx(c["utilisation"].get<double>()).epsilon(1e-12));
  CHECK(kv_token_s / (kv_capacity * span) == Approx(s["kv_cache"]["mean_utilisation"].get<double>()).epsilon(1e-12));
}

// Each step event of the trace against the performance model of its scenario's pool: the
// duration is the model's step time for the batch shape it records, plus its KV loads.
// Returns the number of steps checked.
size_t check_trace_steps(const nlohmann::json& trace, const std::vector<stacksim::Scenario>& scenarios) {
  std::vector<std::vector<std::unique_ptr<stacksim::PerfModel>>> models(scenarios.size());
  for (size_t i = 0; i < scenarios.size(); ++i)
    for (const auto& p : scenarios[i].pools)
      models[i].push_back(std::make_unique<stacksim::PerfModel>(p.model, p.platform, p.serving));
  size_t steps = 0;
  std::map<std::pair<int, int>, double> track_end;  // (pid, tid) -> end of its last step, µs
  std::set<std::string> flows_out, flows_in;
  for (const auto& e : trace.at("traceEvents")) {
    const std::string ph = e.at("ph");
    if (ph == "s") flows_out.insert(e.at("id").get<std::string>());
    if (ph == "f") flows_in.insert(e.at("id").get<std::string>());
    if (ph != "X") continue;
    const int pid = e.at("pid");
    const size_t sc = size_t(pid - 1) / 2, pool = size_t(pid - 1) % 2;
    const nlohmann::json& a = e.at("args");
    stacksim::BatchShape b;
    b.decode_seqs = a.at("decode_seqs");
    b.decode_kv_tokens = a.at("decode_kv_tokens");
    b.prefill_tokens = a.at("prefill_tokens");
    b.prefill_attn_pairs = a.at("prefill_attn_pairs");
    b.prefill_seqs_done = a.at("prefill_seqs_done");
    b.max_chunk = a.at("max_chunk");
    const double model_s = models.at(sc).at(pool)->step_time(b).total;
    const double dur = e.at("dur"), ts = e.at("ts");
    CHECK(dur == Approx((model_s + a.at("kv_load_ms").get<double>() / 1e3) * 1e6).epsilon(1e-9));
    CHECK(a.at("model_ms").get<double>() == Approx(model_s * 1e3).epsilon(1e-12));
    // An instance runs one step at a time.
    const auto track = std::make_pair(pid, e.at("tid").get<int>());
    if (track_end.count(track)) CHECK(ts >= track_end[track] - 1e-6 * ts);
    track_end[track] = ts + dur;
    ++steps;
  }
  // Every KV transfer that starts in the window lands.
  CHECK(flows_out == flows_in);
  return steps;
}

}  // namespace

TEST_CASE("coding-serving with all four outputs: records, timeline and trace agree with the summary and the model",
          "[cli][outputs]") {
  const stacksim::test::TempDir tmp("stacksim-outputs");
  const std::string dir = tmp.path(), sc = repo("scenarios/coding-serving.yaml");
  const auto r =
      shell(bin() + " run " + sc + " -q -o " + dir + "/s.json --requests " + dir + "/r.csv --timeline " + dir +
            "/t.csv --trace " + dir + "/trace.json --trace-window 100s:105s --bench-json " + dir + "/b.json");
  REQUIRE(r.code == 0);
  const nlohmann::json summaries = read_json(dir + "/s.json").at("scenarios");
  REQUIRE(summaries.size() == 4);

  // The bench JSON: a list (variants), each with vLLM's keys (the fixture's).
  const nlohmann::json fixture = read_json(repo("tests/data/vllm-bench-result.json"));
  const nlohmann::json bench = read_json(dir + "/b.json");
  REQUIRE(bench.size() == 4);
  std::vector<std::string> wanted = {
      "duration",           "completed",       "total_input_tokens", "total_output_tokens",
      "request_throughput", "request_goodput", "output_throughput",  "total_token_throughput"};
  for (const char* m : {"ttft", "tpot", "itl", "e2el"})
    for (const char* stat : {"mean", "median", "std", "p90", "p99"})
      wanted.push_back(std::string(stat) + "_" + m + "_ms");
  for (const auto& b : bench) {
    for (const std::string& k : wanted) {
      INFO(k);
      CHECK(fixture.contains(k));  // the list is vLLM's
      CHECK(b.contains(k));        // and each is written
    }
    for (const auto& [k, v] : b.items()) {
      INFO(k);
      CHECK(fixture.contains(k));  // nothing vLLM does not write
    }
  }

  // The records: a row per request; the percentiles recompute exactly.
  const Csv req(dir + "/r.csv");
  const Csv tl(dir + "/t.csv");
  CHECK(tl.header == stacksim::Timeline::header());
  for (const auto& s : summaries) {
    std::vector<double> ttft, tpot, e2e;
    size_t rows = 0;
    for (const auto& row : req.rows) {
      if (req.at(row, "scenario") != s["scenario"].get<std::string>()) continue;
      ++rows;
      const double arrival = req.num(row, "arrival_s"), first = req.num(row, "first_token_s"),
                   finish = req.num(row, "finish_s");
      const int64_t n = std::stoll(req.at(row, "output_tokens"));
      ttft.push_back(first - arrival);
      e2e.push_back(finish - arrival);
      if (n > 1) tpot.push_back((finish - first) / double(n - 1));
    }
    CHECK(rows == s["requests"]["generated"].get<size_t>());
    for (auto [v, key] : {std::pair{&ttft, "ttft"}, std::pair{&tpot, "tpot"}, std::pair{&e2e, "e2e"}}) {
      const stacksim::Percentiles p = stacksim::percentiles(*v);
      INFO(key);
      CHECK(p.p50 == s["latency_s"][key]["p50"].get<double>());
      CHECK(p.p90 == s["latency_s"][key]["p90"].get<double>());
      CHECK(p.p99 == s["latency_s"][key]["p99"].get<double>());
    }
    check_timeline_totals(tl, s);
  }

  // The trace: valid trace-event JSON whose steps are the model's.
  const nlohmann::json trace = read_json(dir + "/trace.json");
  const size_t steps = check_trace_steps(trace, stacksim::load_fitting_scenarios(sc, {}));
  CHECK(steps > 100);
  CHECK(trace["traceEvents"].back()["args"]["window_s"] == nlohmann::json::array({100.0, 105.0}));

  // The observers change nothing (energy-derived figures: to 1e-13).
  const auto plain = shell(bin() + " run " + sc + " -q -o " + dir + "/plain.json");
  REQUIRE(plain.code == 0);
  check_same_summary(summaries, read_json(dir + "/plain.json").at("scenarios"));
  // Only the files asked for are left: the part files are gone.
  CHECK(shell("ls " + dir).output == "b.json\nplain.json\nr.csv\ns.json\nt.csv\ntrace.json\n");
}

TEST_CASE("run --timeline adds up with failures, rejections and a horizon", "[cli][outputs]") {
  const stacksim::test::TempDir tmp("stacksim-timeline");
  const std::string dir = tmp.path();
  for (const std::string sets :
       {"--set model.max_context=20000", "--set simulation.horizon=2s",
        "--set failures.mtbf_per_chip=20s --set failures.repair_time=3s --timeline-interval 250ms"}) {
    INFO(sets);
    const auto r = shell(bin() + " run " + data("busy.yaml") + " -q " + sets + " -o " + dir + "/s.json --timeline " +
                         dir + "/t.csv --trace " + dir + "/tr.json");
    REQUIRE(r.code == 0);
    const nlohmann::json s = read_json(dir + "/s.json").at("scenarios").at(0);
    check_timeline_totals(Csv(dir + "/t.csv"), s);
    const nlohmann::json trace = read_json(dir + "/tr.json");
    CHECK(check_trace_steps(trace, {stacksim::test::load_one(data("busy.yaml"))}) > 0);
  }
  // Failures appear: chips down in the timeline, failure events in the trace.
  const Csv t(dir + "/t.csv");
  int64_t down = 0;
  for (const auto& row : t.rows) down += std::stoll(t.at(row, "chips_down"));
  CHECK(down > 0);
  CHECK(read_json(dir + "/tr.json").dump().find("chip failure") != std::string::npos);
}

TEST_CASE("run rejects bad --timeline-interval and --trace-window values", "[cli][outputs]") {
  const stacksim::test::TempDir tmp("stacksim-timeline");
  const std::string dir = tmp.path(), base = bin() + " run " + data("lone.yaml") + " -q ";
  for (const char* bad : {"--timeline-interval 0s", "--timeline-interval abc", "--timeline-interval -1s",
                          "--trace-window 5s", "--trace-window 5s:1s", "--trace-window x:1s"}) {
    INFO(bad);
    const auto r = shell(base + bad + " --timeline " + dir + "/t.csv --trace " + dir + "/tr.json");
    CHECK(r.code == 2);
    CHECK(r.output.find("--t") != std::string::npos);
  }
  CHECK(shell("ls " + dir).output.empty());  // nothing written
}

TEST_CASE("run shows its progress: a line redrawn on a terminal, plain lines otherwise, nothing with -q",
          "[cli][progress]") {
  const std::string run = bin() + " run " + data("busy.yaml");
  // Plain lines (stderr is a pipe here), one per interval: the workload's share done and an ETA.
  auto r = shell("(STACKSIM_PROGRESS_INTERVAL=1ms " + run + " 2>&1 >/dev/null)");
  REQUIRE(r.code == 0);
  CHECK(r.output.find("stacksim: busy: ") == 0);
  CHECK(r.output.find("% | ") != std::string::npos);
  CHECK(r.output.find("requests done") != std::string::npos);
  CHECK(r.output.find("ETA") != std::string::npos);
  CHECK(r.output.find('\r') == std::string::npos);
  // A short run with the default interval (10 s) prints nothing; -q nothing at any interval.
  CHECK(shell("(" + run + " 2>&1 >/dev/null)").output.empty());
  CHECK(shell("STACKSIM_PROGRESS_INTERVAL=1ms " + run + " -q 2>&1").output.empty());
  // On a terminal (script(1) gives it one): one line redrawn in place, erased at the end.
  r = shell("script -qec 'STACKSIM_PROGRESS_INTERVAL=1ms " + run + "' /dev/null");
  REQUIRE(r.code == 0);
  CHECK(r.output.find("\r\033[Kbusy: ") != std::string::npos);
  CHECK(r.output.find("stacksim: busy") == std::string::npos);
  // A bad interval is a usage error.
  r = shell("STACKSIM_PROGRESS_INTERVAL=soon " + run + " -q");
  CHECK(r.code == 2);
  CHECK(r.output.find("STACKSIM_PROGRESS_INTERVAL soon") != std::string::npos);
}

TEST_CASE("scenarios the scenario fuzzer broke run to the end, with their timelines within bounds", "[cli][fuzz]") {
  const stacksim::test::TempDir tmp("stacksim-fuzz-regressions");
  const std::string dir = tmp.path();
  // A prompt waiting for KV a finished transfer freed (a deadlock, and with --timeline a run
  // that never ended); a step lost to a failure running past the end (537% busy); KV flows
  // failing with their chips (an abort).
  for (const std::string& run :
       {data("fuzz-kv-wakeup.yaml") + " --set workload.limit=108",
        data("fuzz-lost-step.yaml") + " --set workload.requests=35", data("fuzz-flow-failure.yaml")}) {
    INFO(run);
    const auto r =
        shell("timeout 120 " + bin() + " run " + run + " -q -o " + dir + "/s.json --timeline " + dir + "/t.csv");
    REQUIRE(r.code == 0);
    const nlohmann::json s = read_json(dir + "/s.json").at("scenarios").at(0);
    CHECK(s["requests"]["in_flight"] == 0);
    CHECK(s["requests"]["completed"].get<int64_t>() + s["requests"]["rejected"].get<int64_t>() ==
          s["requests"]["generated"].get<int64_t>());
    const Csv t(dir + "/t.csv");
    for (const auto& row : t.rows) CHECK(std::stod(t.at(row, "busy")) <= 1 + 1e-9);
  }
}
