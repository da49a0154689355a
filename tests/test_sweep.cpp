// Sweeps: the same results whatever the parallelism (processes, MPI ranks, shards), and
// nothing lost or repeated when a sweep is killed and rerun.
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "helpers.h"
#include "metrics/metrics.h"
#include "sweep/sweep.h"

using stacksim::test::bin;
using stacksim::test::read;
using stacksim::test::repo;
using stacksim::test::shell;

namespace {

const std::string kSweep = repo("scenarios/sweeps/capacity.yaml");

// Rows and distinct fingerprints in a results database.
std::pair<int, int> count_rows(const std::string& db) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  auto one = [&](const char* sql) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(h, sql, -1, &st, nullptr);
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
  };
  const std::pair<int, int> r = {one("SELECT COUNT(*) FROM results"),
                                 one("SELECT COUNT(DISTINCT fingerprint) FROM results")};
  sqlite3_close(h);
  return r;
}

std::string sweep_csv(const std::string& dir, const std::string& name, const std::string& how) {
  const std::string db = dir + "/" + name + ".db", csv = dir + "/" + name + ".csv";
  const auto r = shell(how + " " + bin() + " sweep " + kSweep + " --db " + db);
  INFO(r.output);
  REQUIRE(r.code == 0);
  REQUIRE(shell(bin() + " export " + db + " --csv " + csv).code == 0);
  return read(csv);
}

// Reruns an interrupted sweep to the end: every scenario once, and the finished ones kept
// their results (a rerun of everything agrees with a clean run).
void resume_and_compare(const std::string& dir, const std::string& db) {
  REQUIRE(shell(bin() + " sweep " + kSweep + " --jobs 2 --db " + db).code == 0);
  CHECK(count_rows(db) == std::make_pair(200, 200));
  REQUIRE(shell(bin() + " export " + db + " --csv " + dir + "/resumed.csv").code == 0);
  REQUIRE(shell(bin() + " sweep " + kSweep + " --jobs 2 --db " + dir + "/clean.db").code == 0);
  REQUIRE(shell(bin() + " export " + dir + "/clean.db --csv " + dir + "/clean.csv").code == 0);
  CHECK(read(dir + "/resumed.csv") == read(dir + "/clean.csv"));
}

}  // namespace

TEST_CASE("a 200-scenario sweep gives the same results with --jobs 1, --jobs 2, shards and mpirun", "[sweep]") {
  const stacksim::test::TempDir tmp("stacksim-sweep");
  const std::string dir = tmp.path();
  const std::string one = sweep_csv(dir, "one", ""), two = sweep_csv(dir, "two", "");
  REQUIRE(shell(bin() + " sweep " + kSweep + " --jobs 2 --db " + dir + "/j2.db").code == 0);
  REQUIRE(shell(bin() + " export " + dir + "/j2.db --csv " + dir + "/j2.csv").code == 0);
  CHECK(count_rows(dir + "/one.db") == std::make_pair(200, 200));
  // 201 lines: a header and one row per scenario, every metric a column.
  CHECK(std::count(one.begin(), one.end(), '\n') == 201);
  CHECK(one.find("input.serving.chips") != std::string::npos);
  CHECK(one.find("latency_s.ttft.p99") != std::string::npos);
  CHECK(read(dir + "/j2.csv") == one);
  // Two shards in two databases, merged.
  for (int k = 0; k < 2; ++k)
    REQUIRE(shell(bin() + " sweep " + kSweep + " --shard " + std::to_string(k) + "/2 --db " + dir + "/s" +
                  std::to_string(k) + ".db")
                .code == 0);
  CHECK(count_rows(dir + "/s0.db").first == 100);
  REQUIRE(shell(bin() + " merge " + dir + "/merged.db " + dir + "/s0.db " + dir + "/s1.db").code == 0);
  REQUIRE(shell(bin() + " export " + dir + "/merged.db --csv " + dir + "/merged.csv").code == 0);
  CHECK(read(dir + "/merged.csv") == one);
  const std::string mpirun = stacksim::test::mpirun_2();
  if (!mpirun.empty()) {
    const std::string mpi = sweep_csv(dir, "mpi", mpirun);
    CHECK(mpi == one);
    CHECK(access((dir + "/mpi.db.rank0").c_str(), F_OK) != 0);  // rank databases merged and removed
  }
}

TEST_CASE("a sweep killed with kill -9 midway and rerun has every scenario exactly once", "[sweep]") {
  const stacksim::test::TempDir tmp("stacksim-sweep");
  const std::string dir = tmp.path(), db = dir + "/k.db";
  // Start it, let some scenarios finish (waiting 60 s at most), kill it hard.
  const auto r = shell("(" + bin() + " sweep " + kSweep + " --jobs 2 --db " + db + " >/dev/null 2>&1 & pid=$!; " +
                       "for i in $(seq 1200); do " + "[ \"$(sqlite3 " + db +
                       " 'select count(*) from results' 2>/dev/null || echo 0)\" -ge 30 ] && break; " +
                       "sleep 0.05; done; kill -9 $pid; wait $pid)");
  const auto partial = count_rows(db);
  INFO(r.output);
  CHECK(partial.first >= 30);
  CHECK(partial.first < 200);
  CHECK(partial.first == partial.second);
  resume_and_compare(dir, db);
}

TEST_CASE("a sweep database survives repeated kills at arbitrary moments", "[sweep][crash]") {
  // Eight kill -9s of the whole process group (the sweep and its simulation children),
  // each once the database holds a pseudo-random number of further results (1 to a share
  // of what is left, whatever the machine's speed) plus 0 to 29 ms, so that kills land while
  // results are being written: after each, the database passes SQLite's integrity check and
  // holds each finished scenario once, and nothing finished before is lost. One job at a
  // time: at ~250 scenarios/s on two (2026-12-05) each kill overshot its target by ~27
  // results, and eight of them ran past the 200th.
  const stacksim::test::TempDir tmp("stacksim-sweep");
  const std::string dir = tmp.path(), db = dir + "/r.db", script = dir + "/kill.sh";
  // bash, for `kill -- -PGID` (dash's kill takes no process group).
  std::ofstream(script) << "setsid " << bin() << " sweep " << kSweep << " --jobs 1 --db " << db
                        << " >/dev/null 2>&1 & pid=$!\n"
                           "for i in $(seq 6000); do\n"
                           "  n=$(sqlite3 "
                        << db
                        << " 'select count(*) from results' 2>/dev/null || true)\n"
                           "  [ \"${n:-0}\" -ge \"$1\" ] && break\n"
                           "  kill -0 $pid 2>/dev/null || break\n"
                           "  sleep 0.02\n"
                           "done\n"
                           "sleep $2\nkill -9 -- -$pid 2>/dev/null\nwait $pid 2>/dev/null\nexit 0\n";
  uint64_t x = 0x2545F4914F6CDD1DULL;
  int partial = 0, last = 0;
  for (int round = 0; round < 8; ++round) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    // Spread the targets over what is left, so that however many results land during the
    // extra wait, the last kill still comes before the 200th.
    const int room = std::max(1, (150 - last) / (8 - round));
    const int target = last + 1 + int(x % uint64_t(room));
    const double extra = double((x >> 8) % 30) / 1000.0;
    INFO("round " << round << ": killed at " << target << " results + " << extra << " s");
    shell("bash " + script + " " + std::to_string(target) + " " + std::to_string(extra));
    REQUIRE(access(db.c_str(), F_OK) == 0);
    const auto check = shell("sqlite3 " + db + " 'PRAGMA integrity_check'");
    CHECK(check.output == "ok\n");
    const auto rows = count_rows(db);
    CHECK(rows.first == rows.second);
    CHECK(rows.first >= target);  // nothing finished is lost
    last = std::max(last, rows.first);
    partial += rows.first < 200;
  }
  CHECK(partial == 8);  // every kill landed mid-sweep
  resume_and_compare(dir, db);
}

TEST_CASE("the deployment search finds the deployment a hand calculation gives", "[sweep][plan]") {
  // tests/data/plan-base.yaml: ~20 sequence slots busy on average; a 2-chip instance holds
  // 8, so 3 x EP2 (6 chips) is the cheapest; one chip cannot hold the experts.
  const stacksim::test::TempDir tmp("stacksim-plan");
  const std::string dir = tmp.path();
  const std::string plan = repo("tests/data/plan-tiny.yaml");
  const auto r = shell(bin() + " plan " + plan + " --jobs 2 --db " + dir + "/p.db -o " + dir + "/p.json");
  INFO(r.output);
  REQUIRE(r.code == 0);
  std::ifstream in(dir + "/p.json");
  const nlohmann::json j = nlohmann::json::parse(in);
  const nlohmann::json& c = j.at("candidates").at(0);
  CHECK(c.at("layouts_sized") == 3);
  CHECK(c.at("deployments_meeting_slo") == 2);  // EP2 and EP4; EP1 does not fit
  const nlohmann::json& f = c.at("finalists").at(c.at("best_finalist").get<size_t>());
  CHECK(f.at("layout") == "colocated EP2 TP1 seqs 4 budget 512 none");
  const nlohmann::json& best = f.at("probes").at(f.at("best_probe").get<size_t>());
  CHECK(best.at("first") == 3);
  CHECK(best.at("summary").at("layout").at("chips") == 6);
  // The simulation says 2 instances fall behind (16 slots for ~20 busy).
  bool two_fails = false;
  for (const auto& p : f.at("probes"))
    if (p.at("first") == 2) two_fails = !p.at("meets_slo").get<bool>();
  CHECK(two_fails);
  // A rerun reuses every probe from its database.
  const auto again = shell(bin() + " plan " + plan + " --db " + dir + "/p.db");
  CHECK(again.output.find("0 simulations") != std::string::npos);
}

TEST_CASE("an inter-token latency target is judged on the window's gaps", "[sweep][plan]") {
  const stacksim::test::TempDir tmp("stacksim-plan");
  const std::string dir = tmp.path();
  const auto r = shell(bin() + " plan " + repo("tests/data/plan-itl.yaml") + " --jobs 2 --db " + dir + "/p.db -o " +
                       dir + "/p.json");
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("ITL p99 ms") != std::string::npos);
  std::ifstream in(dir + "/p.json");
  const nlohmann::json c = nlohmann::json::parse(in).at("candidates").at(0);
  const nlohmann::json& f = c.at("finalists").at(c.at("best_finalist").get<size_t>());
  CHECK(f.at("layout") == "colocated EP2 TP1 seqs 4 budget 512 none");
  const nlohmann::json& best = f.at("probes").at(f.at("best_probe").get<size_t>());
  CHECK(best.at("summary").at("layout").at("chips") == 6);
  CHECK(best.at("summary").at("steady_state").at("itl").at("p99").get<double>() <= 0.015);
}

TEST_CASE("the deployment search takes precision as a key, where the chip runs it", "[sweep][plan]") {
  const stacksim::test::TempDir tmp("stacksim-plan");
  const std::string dir = tmp.path();
  const auto r = shell(bin() + " plan " + repo("tests/data/plan-precision.yaml") + " --jobs 2 --db " + dir +
                       "/p.db -o " + dir + "/p.json --write-scenarios " + dir + "/w");
  INFO(r.output);
  REQUIRE(r.code == 0);
  std::ifstream in(dir + "/p.json");
  const nlohmann::json c = nlohmann::json::parse(in).at("candidates").at(0);
  // 3 instance sizes x {the model's BF16, FP8}; FP4 is not on the chip.
  CHECK(c.at("layouts_sized") == 6);
  // EP2 and EP4 in either precision, and EP1 in FP8 only.
  CHECK(c.at("deployments_meeting_slo") == 5);
  bool ep1_fp8 = false;
  for (const auto& f : c.at("finalists"))
    ep1_fp8 = ep1_fp8 || f.at("layout").get<std::string>().find(
                             "EP1 TP1 seqs 4 budget 512 none precision {weights: "
                             "fp8}") != std::string::npos;
  CHECK(ep1_fp8);
  // The winner is in FP8 (its steps are shorter: 5 one-chip instances keep up where BF16
  // needs 3 x EP2), and the scenario written for it says so and runs.
  const nlohmann::json& best = c.at("finalists").at(c.at("best_finalist").get<size_t>());
  CHECK(best.at("layout").get<std::string>().find("precision {weights: fp8}") != std::string::npos);
  CHECK(shell("cat " + dir + "/w/plan-test.yaml").output.find("serving.precision: {weights: fp8}") !=
        std::string::npos);
  CHECK(shell(bin() + " run " + dir + "/w/plan-test.yaml -q -o " + dir + "/run.json").code == 0);
}

TEST_CASE("the highest load a fixed cluster serves is bracketed by simulation within 2%", "[sweep][plan]") {
  // tests/data/plan-max-load.yaml: 6 chips hold 24 sequence slots, each request holding one
  // for at least 100 steps of 10 ms, so no deployment of them sustains more than 24
  // requests/s. The search's highest load must sit just under it (a finite window lets a
  // deployment a little past its ceiling pass: 3% is allowed), and a probe within 2%
  // above it must fail.
  const stacksim::test::TempDir tmp("stacksim-plan");
  const std::string dir = tmp.path();
  const auto r = shell(bin() + " plan " + repo("tests/data/plan-max-load.yaml") + " --jobs 2 --db " + dir +
                       "/p.db -o " + dir + "/p.json");
  INFO(r.output);
  REQUIRE(r.code == 0);
  std::ifstream in(dir + "/p.json");
  const nlohmann::json j = nlohmann::json::parse(in);
  const nlohmann::json& c = j.at("candidates").at(0);
  const nlohmann::json& f = c.at("finalists").at(c.at("best_finalist").get<size_t>());
  const nlohmann::json& best = f.at("probes").at(f.at("best_probe").get<size_t>());
  const double scale = best.at("load_scale").get<double>();
  const nlohmann::json& w = best.at("summary").at("steady_state");
  const double rate = w.at("requests").get<double>() / w.at("length_s").get<double>();
  CHECK(best.at("meets_slo").get<bool>());
  CHECK(best.at("summary").at("layout").at("chips").get<int>() <= 6);
  CHECK(rate > 0.85 * 24);
  CHECK(rate < 1.03 * 24);
  double lowest_failure = 1e9;
  for (const auto& p : f.at("probes"))
    if (!p.at("meets_slo").get<bool>()) lowest_failure = std::min(lowest_failure, p.at("load_scale").get<double>());
  CHECK(lowest_failure > scale);
  CHECK(lowest_failure < scale * 1.021);
}

TEST_CASE("no probe of a disaggregated deployment exceeds max_instances in either pool", "[sweep][plan]") {
  const stacksim::test::TempDir tmp("stacksim-plan");
  const std::string dir = tmp.path();
  const auto r = shell(bin() + " plan " + repo("tests/data/plan-disagg.yaml") + " --jobs 2 --db " + dir + "/p.db -o " +
                       dir + "/p.json");
  INFO(r.output);
  REQUIRE(r.code == 0);
  std::ifstream in(dir + "/p.json");
  const nlohmann::json j = nlohmann::json::parse(in);
  int probes = 0;
  for (const auto& f : j.at("candidates").at(0).at("finalists"))
    for (const auto& p : f.at("probes")) {
      ++probes;
      CHECK(p.at("first").get<int>() <= 5);
      CHECK(p.at("decode").get<int>() <= 5);
      CHECK(p.at("first").get<int>() >= 1);
      CHECK(p.at("decode").get<int>() >= 1);
    }
  CHECK(probes > 0);
}

TEST_CASE("a winning deployment's scenario file reproduces the plan's figures exactly", "[sweep][plan]") {
  const stacksim::test::TempDir tmp("stacksim-plan");
  const std::string dir = tmp.path();
  // A plan named by a relative path: the written scenario's paths must still resolve.
  const auto r = shell("cd " + repo("tests") + " && " + bin() + " plan data/plan-tiny.yaml --db " + dir + "/p.db -o " +
                       dir + "/p.json --write-scenarios " + dir + "/won");
  REQUIRE(r.code == 0);
  const auto run = shell(bin() + " run " + dir + "/won/plan-test.yaml -q -o " + dir + "/r.json");
  INFO(run.output);
  REQUIRE(run.code == 0);
  std::ifstream pin(dir + "/p.json"), rin(dir + "/r.json");
  const nlohmann::json p = nlohmann::json::parse(pin), ran = nlohmann::json::parse(rin);
  const nlohmann::json& c = p.at("candidates").at(0);
  const nlohmann::json& f = c.at("finalists").at(c.at("best_finalist").get<size_t>());
  CHECK(f.at("probes").at(f.at("best_probe").get<size_t>()).at("summary") == ran.at("scenarios").at(0));
  // The SGLang arguments of the winner are shown.
  CHECK(r.output.find("SGLang (colocated): python -m sglang.launch_server --model-path plan-moe --tp-size 2 "
                      "--enable-dp-attention --dp-size 2 --ep-size 2") != std::string::npos);
}

TEST_CASE("sweep --requests keeps every request of every scenario in the database, through shards and merges",
          "[sweep][requests]") {
  const stacksim::test::TempDir tmp("stacksim-sweep-requests");
  const std::string dir = tmp.path(), sweep = repo("tests/golden/sweep20.yaml");
  // First without records: a rerun with --requests simulates again those lacking them.
  REQUIRE(shell(bin() + " sweep " + sweep + " --jobs 2 --db " + dir + "/a.db").code == 0);
  REQUIRE(shell(bin() + " sweep " + sweep + " --jobs 2 --db " + dir + "/a.db --requests").code == 0);
  // Two shards with records, merged.
  for (const char* k : {"0", "1"})
    REQUIRE(shell(bin() + " sweep " + sweep + " --db " + dir + "/s" + k + ".db --requests --shard " + k + "/2").code ==
            0);
  REQUIRE(shell(bin() + " merge " + dir + "/m.db " + dir + "/s0.db " + dir + "/s1.db").code == 0);
  CHECK(shell("ls " + dir).output == "a.db\nm.db\ns0.db\ns1.db\n");  // no part file left
  for (const char* name : {"a.db", "m.db"}) {
    INFO(name);
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open((dir + "/" + name).c_str(), &h) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, "SELECT fingerprint, summary FROM results", -1, &st, nullptr) == SQLITE_OK);
    int scenarios = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
      ++scenarios;
      const std::string fp = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      const auto s = nlohmann::json::parse(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
      // The scenario's records: one per request; its TTFT percentiles recomputed exactly.
      sqlite3_stmt* q = nullptr;
      const std::string sql = "SELECT first_token_s - arrival_s, status FROM requests WHERE fingerprint = '" + fp + "'";
      REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &q, nullptr) == SQLITE_OK);
      std::vector<double> ttft;
      int64_t rows = 0;
      while (sqlite3_step(q) == SQLITE_ROW) {
        ++rows;
        if (std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, 1))) == "completed")
          ttft.push_back(sqlite3_column_double(q, 0));
      }
      sqlite3_finalize(q);
      CHECK(rows == s["requests"]["generated"].get<int64_t>());
      const stacksim::Percentiles p = stacksim::percentiles(ttft);
      CHECK(p.p50 == s["latency_s"]["ttft"]["p50"].get<double>());
      CHECK(p.p99 == s["latency_s"]["ttft"]["p99"].get<double>());
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    CHECK(scenarios == 20);
  }
}

TEST_CASE("a sweep counts its points before listing them, and --max-points raises the limit", "[sweep]") {
  const stacksim::test::TempDir tmp("stacksim-sweep-points");
  const std::string file = tmp.path() + "/s.yaml";
  std::ofstream(file) << "base: " << repo("tests/malformed/ok/scenario.yaml")
                      << "\ngrid: {seed: [1, 2, 3], workload.requests: [5, 6, 7]}\nzip: {serving.max_seqs_per_chip: "
                         "[8, 16]}\n";
  CHECK_THROWS_WITH(stacksim::load_sweep(file, 17),
                    Catch::Contains("the sweep has more than 17 points (zip 2 x 3 x 3)"));
  const stacksim::SweepSpec spec = stacksim::load_sweep(file, 18);
  CHECK(spec.points.size() == 18);
  CHECK(spec.axes_checks.size() == 4);  // the second and third value of each grid axis
  size_t calls = 0;
  CHECK(stacksim::expand_sweep(spec, {}, [&](size_t done, size_t total) {
          CHECK(done == calls++);
          CHECK(total == 18);
        }).size() == 18);
  // Beyond the limit on the command line: one line, exit 2, no database.
  const auto out = shell(bin() + " sweep " + file + " --max-points 10 --db " + tmp.path() + "/r.db 2>&1");
  CHECK(out.code == 2);
  CHECK(out.output.find("give sweep --max-points N to run that many") != std::string::npos);
  CHECK_FALSE(std::ifstream(tmp.path() + "/r.db").good());
}
