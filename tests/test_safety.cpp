// Hostile inputs and faults (issue 17): outputs never replace what they name unless it is
// a regular file the command does not read; inputs are regular files; a file-size limit is
// reported, not a silent death.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "helpers.h"

using stacksim::test::bin;
using stacksim::test::data;
using stacksim::test::read;
using stacksim::test::shell;

TEST_CASE("a FIFO as an input is refused at once, not opened", "[safety]") {
  const stacksim::test::TempDir tmp("stacksim-safety");
  const std::string fifo = tmp.path() + "/scenario.yaml";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  const auto r = shell("timeout 20 " + bin() + " run " + fifo + " -q");
  CHECK(r.code == 2);
  CHECK(r.output == "stacksim: error: " + fifo + ": cannot read it: it is not a regular file (a FIFO)\n");
  // As a trace it is named by the workload that reads it.
  const auto t = shell("timeout 20 " + bin() + " run " + data("lone.yaml") +
                       " -q --set 'workload={name: t, type: azure_trace, path: " + fifo + "}'");
  CHECK(t.code == 2);
  CHECK(t.output.find("is not a regular file (a FIFO)") != std::string::npos);
}

TEST_CASE("outputs onto an input, a device or a second output are refused and nothing is touched", "[safety]") {
  const stacksim::test::TempDir tmp("stacksim-safety");
  const std::string dir = tmp.path();
  REQUIRE(shell("cp " + data("lone.yaml") + " " + data("tiny-platform.yaml") + " " + data("tiny-moe.yaml") + " " + dir)
              .code == 0);
  const std::string platform = read(dir + "/tiny-platform.yaml");
  auto r = shell("cd " + dir + " && " + bin() + " run lone.yaml -q -o tiny-platform.yaml");
  CHECK(r.code == 2);
  CHECK(r.output == "stacksim: error: tiny-platform.yaml: is an input of this command; write the output elsewhere\n");
  CHECK(read(dir + "/tiny-platform.yaml") == platform);
  // Through a symbolic link to the input: the same file.
  REQUIRE(symlink((dir + "/tiny-platform.yaml").c_str(), (dir + "/out.json").c_str()) == 0);
  CHECK(shell("cd " + dir + " && " + bin() + " run lone.yaml -q -o out.json").code == 2);
  CHECK(read(dir + "/tiny-platform.yaml") == platform);
  // A device stays a device.
  r = shell(bin() + " run " + dir + "/lone.yaml -q --stats /dev/null");
  CHECK(r.code == 2);
  struct stat st;
  REQUIRE(stat("/dev/null", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  // Two outputs of one name.
  r = shell("cd " + dir + " && " + bin() + " run lone.yaml -q -o x.json --stats ./x.json");
  CHECK(r.code == 2);
  CHECK(r.output == "stacksim: error: ./x.json: is named twice as an output\n");
  CHECK(access((dir + "/x.json").c_str(), F_OK) != 0);
  // export onto its own database.
  REQUIRE(
      shell(bin() + " sweep " + stacksim::test::repo("tests/golden/sweep20.yaml") + " --db " + dir + "/r.db").code ==
      0);
  const std::string db = read(dir + "/r.db");
  r = shell(bin() + " export " + dir + "/r.db --csv " + dir + "/r.db");
  CHECK(r.code == 2);
  CHECK(read(dir + "/r.db") == db);
}

TEST_CASE("an output through a symbolic link rewrites its target and keeps the link", "[safety]") {
  const stacksim::test::TempDir tmp("stacksim-safety");
  const std::string dir = tmp.path();
  std::ofstream(dir + "/target.json") << "old\n";
  REQUIRE(symlink("target.json", (dir + "/link.json").c_str()) == 0);
  REQUIRE(shell(bin() + " run " + data("lone.yaml") + " -q -o " + dir + "/link.json").code == 0);
  struct stat st;
  REQUIRE(lstat((dir + "/link.json").c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  CHECK(read(dir + "/target.json").find("\"scenarios\"") != std::string::npos);
}

TEST_CASE("past a file-size limit a run reports it and leaves no temporary file", "[safety]") {
  const stacksim::test::TempDir tmp("stacksim-safety");
  const std::string dir = tmp.path();
  // 4 KiB (ulimit -f counts 1 KiB blocks): the summary is longer.
  const auto r = shell("cd " + dir + " && ulimit -f 4 && " + bin() + " run " + data("busy.yaml") + " -q -o s.json");
  CHECK(r.code == 2);
  CHECK(r.output == "stacksim: error: cannot write s.json: File too large\n");
  CHECK(shell("ls -A " + dir).output.empty());
  const auto q =
      shell("cd " + dir + " && ulimit -f 4 && " + bin() + " run " + data("busy.yaml") + " -q --requests r.csv");
  CHECK(q.code == 1);
  CHECK(q.output.find("File too large") != std::string::npos);
  CHECK(shell("ls -A " + dir).output.empty());
}

TEST_CASE("a JSON value nested 200,000 deep is described, not dumped", "[safety]") {
  const stacksim::test::TempDir tmp("stacksim-safety");
  const std::string dir = tmp.path(), deep = std::string(200000, '[') + std::string(200000, ']');
  std::ofstream(dir + "/t.jsonl") << R"({"timestamp": 0, "input_length": 10, "output_length": )" << deep
                                  << R"(, "hash_ids": []})"
                                  << "\n";
  auto r = shell(bin() + " run " + data("lone.yaml") +
                 " -q --set 'workload={name: t, type: mooncake_trace, path: " + dir + "/t.jsonl}'");
  CHECK(r.code == 2);
  CHECK(r.output == "stacksim: error: " + dir +
                        "/t.jsonl:1:38: output_length: expected a whole number of tokens, at least 1, found a list "
                        "of 1 item\n");
  std::string hf = read(stacksim::test::repo("tests/malformed/ok/hf_config.json"));
  const size_t at = hf.find("\"num_hidden_layers\":");
  REQUIRE(at != std::string::npos);
  const size_t value = hf.find_first_not_of(' ', hf.find(':', at) + 1), end = hf.find_first_of(",}", value);
  hf.replace(value, end - value, deep);
  std::ofstream(dir + "/config.json") << hf;
  r = shell(bin() + " run " + data("lone.yaml") + " -q --set model=" + dir + "/config.json");
  CHECK(r.code == 2);
  CHECK(r.output.find("num_hidden_layers: expected a whole number from 1 to 2^30, found a list of 1 item") !=
        std::string::npos);
}

TEST_CASE("the simulation dies with its parent, whatever signal kills the parent", "[safety][faults]") {
  for (const char* signal : {"KILL", "TERM"}) {
    INFO(signal);
    // The 1M-request bench scenario runs for seconds: long enough to kill its parent midway.
    const auto r =
        shell("(" + bin() + " run " + stacksim::test::repo("bench/large.yaml") +
              " -q & p=$!; for i in $(seq 100); do c=$(pgrep -P $p); [ -n \"$c\" ] && break; sleep 0.05; "
              "done; sleep 0.3; kill -" +
              signal +
              " $p; wait $p 2>/dev/null; sleep 0.5; echo child=$c; s=$(cut -d' ' -f3 /proc/$c/stat 2>/dev/null); "
              "[ -n \"$s\" ] && [ \"$s\" != Z ] && echo alive && kill -9 $c; true)");
    INFO(r.output);
    CHECK(r.output.find("child=") != std::string::npos);
    CHECK(r.output.find("child=\n") == std::string::npos);  // a child was found
    CHECK(r.output.find("alive") == std::string::npos);     // gone (a zombie, if no one reaps it here, is dead)
  }
}

TEST_CASE("a damaged or foreign database is refused by export, merge and a resumed sweep, and left as it was",
          "[safety][faults]") {
  const stacksim::test::TempDir tmp("stacksim-safety");
  const std::string dir = tmp.path(), sweep = stacksim::test::repo("tests/golden/sweep20.yaml");
  REQUIRE(shell(bin() + " sweep " + sweep + " --db " + dir + "/r.db").code == 0);
  // Pages in the middle overwritten.
  REQUIRE(shell("cp " + dir + "/r.db " + dir + "/bad.db && printf '%4096s' | tr ' ' '\\336' | dd of=" + dir +
                "/bad.db bs=4096 seek=3 conv=notrunc 2>/dev/null")
              .code == 0);
  const std::string bad = read(dir + "/bad.db");
  for (const std::string& cmd :
       {bin() + " export " + dir + "/bad.db --csv " + dir + "/out.csv",
        bin() + " merge " + dir + "/m.db " + dir + "/bad.db", bin() + " sweep " + sweep + " --db " + dir + "/bad.db"}) {
    INFO(cmd);
    const auto r = shell(cmd);
    CHECK(r.code == 2);
    CHECK(r.output.find("bad.db") != std::string::npos);
    CHECK(r.output.find("malformed") != std::string::npos);
    CHECK(r.output.find("0 new results") == std::string::npos);
  }
  CHECK(read(dir + "/bad.db") == bad);
  CHECK(access((dir + "/out.csv").c_str(), F_OK) != 0);
  // An empty file and a database of another program: refused, not given a results table.
  std::ofstream(dir + "/empty.db").close();
  REQUIRE(shell("sqlite3 " + dir + "/other.db 'CREATE TABLE t (x); INSERT INTO t VALUES (1);'").code == 0);
  const std::string other = read(dir + "/other.db");
  for (const char* name : {"empty.db", "other.db"}) {
    INFO(name);
    const auto r = shell(bin() + " export " + dir + "/" + name + " --csv " + dir + "/out.csv");
    CHECK(r.code == 2);
    CHECK(r.output ==
          "stacksim: error: " + dir + "/" + name + ": not a stacksim results database (no results table)\n");
  }
  CHECK(read(dir + "/empty.db").empty());
  CHECK(read(dir + "/other.db") == other);
  CHECK(shell("ls " + dir).output == "bad.db\nempty.db\nother.db\nr.db\n");
}

TEST_CASE("a sweep resumed after a trace or a mix member changed runs its scenarios again", "[safety][sweep]") {
  const stacksim::test::TempDir tmp("stacksim-safety");
  const std::string dir = tmp.path();
  REQUIRE(shell("cp " + stacksim::test::repo("tests/malformed/ok") + "/* " + dir).code == 0);
  std::ofstream(dir + "/trace-wl.yaml") << "name: tr\ntype: azure_trace\npath: trace.csv\n";
  std::ofstream(dir + "/mix-wl.yaml") << "name: m\ntype: mix\nstreams: [{workload: trace-wl.yaml, weight: 1}]\n";
  auto results = [&](const std::string& wl) {
    const auto r = shell("cd " + dir + " && " + bin() + " sweep sweep.yaml --set workload=" + wl + " --db " + wl +
                         ".db 2>&1 | tail -1");
    return r.output;
  };
  for (const std::string wl : {"trace-wl.yaml", "mix-wl.yaml"}) {
    INFO(wl);
    CHECK(results(wl) == "sweep: 2 results in " + wl + ".db\n");
    CHECK(results(wl) == "sweep: 2 results in " + wl + ".db\n");  // unchanged: skipped
  }
  // One token count of the trace changed: both workloads' scenarios are new.
  std::string trace = read(dir + "/trace.csv");
  const size_t at = trace.find(",4808,");
  REQUIRE(at != std::string::npos);
  std::ofstream(dir + "/trace.csv") << trace.replace(at, 6, ",4809,");
  for (const std::string wl : {"trace-wl.yaml", "mix-wl.yaml"}) {
    INFO(wl);
    CHECK(results(wl) == "sweep: 4 results in " + wl + ".db\n");
  }
}

TEST_CASE("one scenario written two ways has one fingerprint", "[safety][sweep]") {
  const stacksim::test::TempDir tmp("stacksim-fingerprint");
  const std::string ok = stacksim::test::repo("tests/malformed/ok/");
  auto fingerprint = [&](const std::string& text) {
    std::ofstream(tmp.path() + "/s.yaml") << text;
    return stacksim::test::load_one(tmp.path() + "/s.yaml").fingerprint;
  };
  const std::string a =
      fingerprint("name: f\nseed: 7\nplatform: " + ok + "platform.yaml\nmodel: " + ok + "model.yaml\nworkload: " + ok +
                  "workload.yaml\nserving:\n  chips: 4\n  chips_per_instance: 4\n"
                  "  token_budget_per_chip: 4096\n  prefix_cache: {enabled: true}\n"
                  "  frontend_latency: 1 ms\n");
  // Keys in another order, yes for true, 4.096e3 for 4096, 1000 us for 1 ms, and the
  // files named by other paths.
  const std::string b = fingerprint(
      "serving:\n  frontend_latency: 1000 us\n  prefix_cache: {enabled: yes}\n"
      "  token_budget_per_chip: 4.096e3\n  chips_per_instance: 4\n  chips: 4\n"
      "workload: " +
      ok + "../ok/workload.yaml\nmodel: " + ok + "model.yaml\nplatform: " + ok + "./platform.yaml\nseed: 7\nname: f\n");
  CHECK(a == b);
  // What changes the scenario changes it.
  CHECK(fingerprint("name: f\nseed: 7\nplatform: " + ok + "platform.yaml\nmodel: " + ok +
                    "model.yaml\nworkload: " + ok +
                    "workload.yaml\nserving:\n  chips: 4\n  chips_per_instance: 4\n"
                    "  token_budget_per_chip: 4097\n  prefix_cache: {enabled: true}\n"
                    "  frontend_latency: 1 ms\n") != a);
}
