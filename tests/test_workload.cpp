#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <queue>
#include <regex>
#include <set>

#include "helpers.h"

using namespace stacksim;

static const std::string kTraces = std::string(STACKSIM_DATA_DIR) + "/data/traces/";

// A workload from YAML text, as if read from `file` (relative paths resolve against it).
static Workload parse_workload(const std::string& yaml, const std::string& file = test::repo("workloads/test.yaml")) {
  return workload_from_yaml(YAML::Load(yaml), Origin(file));
}

// The error message parsing `yaml` gives ("" if none).
static std::string workload_error(const std::string& yaml) {
  try {
    parse_workload(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// Every request a generator produces, pulled until it has none ready (open loops).
static std::vector<RequestSpec> drain(Generator& gen) {
  std::vector<RequestSpec> out;
  RequestSpec r;
  while (gen.next(&r)) out.push_back(r);
  return out;
}

// One request as the fake server of drive() served it.
struct Served {
  RequestSpec spec;
  double done;  // s
};

// Drives `gen` as the serving simulation does, with a server that finishes each request
// service(request) after its arrival, processing arrivals and completions in time order
// (an arrival first when it is no later than the next completion). Returns the requests
// in the order they were issued; `ordered` tells whether every arrival was no earlier
// than the previous event (so neither before the last arrival nor before the completion
// that made it ready).
static std::vector<Served> drive(Generator& gen, const std::function<double(const RequestSpec&)>& service,
                                 bool* ordered) {
  std::vector<Served> out;
  using Done = std::pair<double, size_t>;  // completion time, index into out
  std::priority_queue<Done, std::vector<Done>, std::greater<Done>> pending;
  double now = 0, arrival;
  *ordered = true;
  while (true) {
    if (gen.peek(&arrival) && (pending.empty() || arrival <= pending.top().first)) {
      RequestSpec r;
      REQUIRE(gen.next(&r));
      *ordered = *ordered && r.arrival == arrival && r.arrival >= now;
      now = r.arrival;
      out.push_back({r, now + service(r)});
      pending.push({out.back().done, out.size() - 1});
    } else if (!pending.empty()) {
      REQUIRE_FALSE(gen.exhausted());
      const auto [t, i] = pending.top();
      pending.pop();
      now = t;
      gen.on_complete(out[i].spec, now);
    } else {
      break;
    }
  }
  CHECK(gen.exhausted());
  return out;
}

// The requests of each session (RequestSpec::session), in the order they were issued.
static std::map<int64_t, std::vector<Served>> by_session(const std::vector<Served>& served) {
  std::map<int64_t, std::vector<Served>> s;
  for (const Served& x : served) s[x.spec.session].push_back(x);
  return s;
}

TEST_CASE("the random stream is reproducible and seeds are independent per component", "[workload]") {
  Rng a(stream_seed(42, "coding/arrivals")), b(stream_seed(42, "coding/arrivals")),
      c(stream_seed(42, "coding/lengths"));
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.next_u64();
    CHECK(x == b.next_u64());
    CHECK(x != c.next_u64());
  }
}

TEST_CASE("gamma arrivals have the requested rate and burstiness", "[workload]") {
  const Workload w = parse_workload(R"(
name: g
type: stream
arrival: {type: gamma, rate: 10/s, cv: 3}
input_tokens: {distribution: fixed, value: 1}
output_tokens: {distribution: fixed, value: 1}
requests: 200000
)");
  auto gen = make_generator(w, 1);
  RequestSpec r, prev;
  double sum = 0, sum2 = 0;
  int n = 0;
  gen->next(&prev);
  while (gen->next(&r)) {
    const double gap = r.arrival - prev.arrival;
    sum += gap;
    sum2 += gap * gap;
    ++n;
    prev = r;
  }
  CHECK(gen->exhausted());
  const double mean = sum / n, cv = std::sqrt(sum2 / n - mean * mean) / mean;
  CHECK(mean == Approx(0.1).epsilon(0.03));
  CHECK(cv == Approx(3.0).epsilon(0.05));
}

TEST_CASE("lognormal lengths have the requested mean and stay within bounds", "[workload]") {
  LengthDist d;
  d.kind = LengthDist::Kind::Lognormal;
  d.mean = 2000;
  d.cv = 1.0;
  d.min = 1;
  d.max = 1 << 30;
  Rng rng(7);
  double sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) sum += double(draw_length(d, rng));
  CHECK(sum / n == Approx(2000).epsilon(0.02));
  d.min = 500;
  d.max = 3000;
  int64_t lo = d.max, hi = d.min;
  for (int i = 0; i < 10000; ++i) {
    const int64_t v = draw_length(d, rng);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  CHECK(lo == 500);  // clipped, and the clip is reached
  CHECK(hi == 3000);
}

TEST_CASE("a stream stops at its duration", "[workload]") {
  const Workload w = parse_workload(R"(
name: d
type: stream
arrival: {type: poisson, rate: 5/s}
input_tokens: {distribution: fixed, value: 1}
output_tokens: {distribution: fixed, value: 1}
duration: 100 s
)");
  auto gen = make_generator(w, 3);
  RequestSpec r;
  int n = 0;
  double last = 0;
  while (gen->next(&r)) {
    ++n;
    last = r.arrival;
  }
  CHECK(last <= 100);
  CHECK(n == Approx(500).margin(70));
}

TEST_CASE("the Azure code trace replays with its recorded timing", "[workload][trace]") {
  auto rows = read_azure_trace(kTraces + "AzureLLMInferenceTrace_code.csv", 1.0, 0);
  REQUIRE(rows.size() == 8819);
  CHECK(rows[0].arrival == 0);
  CHECK(rows[0].input_tokens == 4808);
  CHECK(rows[0].output_tokens == 10);
  // Second row: 18:17:04.0319600 - 18:17:03.9799600 = 0.052 s.
  CHECK(rows[1].arrival == Approx(0.052));
  double in = 0;
  for (const auto& r : rows) in += double(r.input_tokens);
  CHECK(in / rows.size() == Approx(2048).epsilon(0.01));         // data/README.md: input mean 2,048
  CHECK(rows.back().arrival == Approx(3435.948).epsilon(1e-6));  // the last row, within the hour
  // Replayed 4x faster with a limit.
  auto fast = read_azure_trace(kTraces + "AzureLLMInferenceTrace_code.csv", 4.0, 100);
  CHECK(fast.size() == 100);
  CHECK(fast[1].arrival == Approx(0.013));
}

// Writes `text` to a temporary file, reads it with `read`, and checks that the error
// contains `msg` (file:line:col: field: what).
template <class Read>
static void expect_trace_error(Read read, const std::string& text, const std::string& msg) {
  char path[] = "/tmp/stacksim-trace-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << text;
  try {
    read(path);
    FAIL("no error for: " << text);
  } catch (const ConfigError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()) == std::string(path) + msg);
  }
  std::remove(path);
}

TEST_CASE("malformed traces are rejected with file and line", "[workload][trace][errors]") {
  auto expect = [](const std::string& text, const std::string& msg) {
    expect_trace_error([](const std::string& p) { read_azure_trace(p, 1.0, 0); }, text, msg);
  };
  const std::string header = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  expect("a,b\n", ":1:1: expected the header TIMESTAMP,ContextTokens,GeneratedTokens, found \"a,b\"");
  expect(header + "2023-11-16 18:17:03.9,12,3\n2023-11-16 18:17:04.0,x,3\n",
         ":3:23: ContextTokens: expected a positive whole number, found \"x\"");
  expect(header + "2023-11-16 18:17:03.9,12,3\n2023-11-16 18:17:02.0,1,3\n",
         ":3:1: TIMESTAMP: timestamps must not decrease");
  expect(header + "yesterday,12,3\n",
         ":2:1: TIMESTAMP: expected a time such as 2023-11-16 18:17:03.97, found \"yesterday\"");
  expect(header, ":1:1: the trace has no rows");
}

TEST_CASE("a trace that starts with a UTF-8 byte-order mark reads as the same trace without it", "[workload][trace]") {
  const std::string azure = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9,12,3\n";
  const std::string mooncake =
      "{\"timestamp\": 0, \"input_length\": 600, \"output_length\": 3, \"hash_ids\": [7, 8]}\n";
  const std::string bom = "\xEF\xBB\xBF";
  std::vector<std::vector<RequestSpec>> read;
  for (const std::string& text : {azure, bom + azure, mooncake, bom + mooncake}) {
    char path[] = "/tmp/stacksim-trace-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    std::ofstream(path) << text;
    read.push_back(text.find("TIMESTAMP") != std::string::npos ? read_azure_trace(path, 1.0, 0)
                                                               : read_mooncake_trace(path, 1.0, 0));
    std::remove(path);
  }
  for (size_t i : {0, 2}) {
    REQUIRE(read[i].size() == 1);
    REQUIRE(read[i + 1].size() == 1);
    CHECK(read[i + 1][0].input_tokens == read[i][0].input_tokens);
    CHECK(read[i + 1][0].blocks == read[i][0].blocks);
  }
}

TEST_CASE("the Azure trace runs end to end", "[workload][trace][serving]") {
  Scenario sc = test::load_one(test::data("lone.yaml"),
                               {{"workload", test::repo("workloads/azure-code.yaml")}, {"workload.limit", "300"}});
  const nlohmann::json r = test::run(sc);
  CHECK(r["requests"]["generated"] == 300);
  CHECK(r["requests"]["completed"].get<int64_t>() + r["requests"]["rejected"].get<int64_t>() == 300);
}

TEST_CASE("the Mooncake conversation trace replays with its timing, lengths and block ids", "[workload][trace]") {
  const auto rows = read_mooncake_trace(kTraces + "conversation_trace.jsonl", 1.0, 0);
  REQUIRE(rows.size() == 12031);
  // {"timestamp": 0, "input_length": 6758, "output_length": 500, "hash_ids": [0, 1, ..., 13]}
  CHECK(rows[0].arrival == 0);
  CHECK(rows[0].input_tokens == 6758);
  CHECK(rows[0].output_tokens == 500);
  std::vector<uint64_t> first(13);  // 6758 / 512 = 13 full blocks; id 13 names the partial one
  for (uint64_t i = 0; i < 13; ++i) first[i] = i;
  CHECK(rows[0].blocks == first);
  // {"timestamp": 0, "input_length": 7322, ..., "hash_ids": [0, 14, 15, ...]}: a shared first block.
  CHECK(rows[1].blocks.size() == 14);
  CHECK(rows[1].blocks[0] == 0);
  CHECK(rows[1].blocks[1] == 14);
  CHECK(rows.back().arrival == Approx(3536.999));  // the last timestamp, 3536999 ms
  bool full_blocks = true, ordered = true;
  for (size_t i = 0; i < rows.size(); ++i) {
    full_blocks = full_blocks && rows[i].blocks.size() == size_t(rows[i].input_tokens / 512);
    ordered = ordered && (i == 0 || rows[i].arrival >= rows[i - 1].arrival);
  }
  CHECK(full_blocks);
  CHECK(ordered);
  // Replayed at 4x the recorded rate, first 3000 rows.
  const auto fast = read_mooncake_trace(kTraces + "conversation_trace.jsonl", 4.0, 3000);
  REQUIRE(fast.size() == 3000);
  CHECK(fast[2999].arrival == Approx(rows[2999].arrival / 4));
  CHECK(fast[2999].arrival > 0);
  // The same through a workload file and the generator.
  const Workload shipped = workload_from_yaml(load_yaml_file(test::repo("workloads/mooncake-conversation.yaml")),
                                              test::repo("workloads/mooncake-conversation.yaml"));
  CHECK(shipped.type == "mooncake_trace");
  CHECK(shipped.carries_blocks);
  CHECK(shipped.block_tokens == 512);
  const Workload w = parse_workload(
      "name: t\ntype: mooncake_trace\npath: ../data/traces/conversation_trace.jsonl\nlimit: 10\ntime_scale: 2\n");
  auto gen = make_generator(w, 1);
  const auto pulled = drain(*gen);
  REQUIRE(pulled.size() == 10);
  CHECK(pulled[1].blocks == rows[1].blocks);
  CHECK(pulled[9].arrival == Approx(rows[9].arrival / 2));
}

TEST_CASE("malformed Mooncake lines are rejected with file, line and field", "[workload][trace][errors]") {
  auto expect = [](const std::string& text, const std::string& msg) {
    expect_trace_error([](const std::string& p) { read_mooncake_trace(p, 1.0, 0); }, text, msg);
  };
  const std::string good = R"({"timestamp": 0, "input_length": 600, "output_length": 5, "hash_ids": [1, 2]})"
                           "\n";
  expect(good + R"({"timestamp": 5, "input_length": 600, "output_length": 0, "hash_ids": [1, 2]})",
         ":2:39: output_length: expected a whole number of tokens, at least 1, found 0");
  expect(
      good + R"({"timestamp": 5, "input_length": 600, "output_length": 3, "hash_ids": [1]})",
      ":2:59: hash_ids: expected a list of 2 block ids (one per started 512-token block of input_length), found 1 ids");
  expect(good + R"({"timestamp": 5, "input_length": 600, "output_length": 3})", ":2:1: hash_ids: missing field");
  expect(good + R"({"timestamp": -1, "input_length": 600, "output_length": 3, "hash_ids": [1, 2]})",
         ":2:2: timestamp: expected milliseconds from the start (a number >= 0), found -1");
  expect(R"({"timestamp": 7, "input_length": 600, "output_length": 3, "hash_ids": [1, 2]})"
         "\n" +
             good,
         ":2:2: timestamp: timestamps must not decrease");
  expect(good + R"({"timestamp": 5, "input_length": 600, "output_length": 3, "hash_ids": [1, 2], "user": 4})",
         ":2:79: user: unknown field (expected timestamp, input_length, output_length, hash_ids)");
  expect(good + R"({"timestamp": 5, "input_length": 600, "output_length": 3, "hash_ids": [1, "x"]})",
         ":2:59: hash_ids: expected whole numbers below 2^56, found \"x\"");
  expect(good + "\n" + R"({"timestamp": 5, "input_length": 600,)",
         ":3:38: not valid JSON: syntax error while parsing object key - unexpected end of input; expected string "
         "literal");
  expect("[1, 2]\n", ":1:1: expected a JSON object");
  expect("\n\n", ":2:1: the trace has no rows");
}

static const char* kSessions = R"(
name: cs
type: coding_sessions
arrival: {type: poisson, rate: 2/s}
sessions: 40
teams: 3
repo_prefix_tokens: 2000          # 3 full blocks of 512, then a block shared with the session
first_turn_tokens: {distribution: uniform, min: 100, max: 3000}
turns: {distribution: uniform, min: 2, max: 6}
new_tokens: {distribution: uniform, min: 50, max: 2000}
output_tokens: {distribution: uniform, min: 10, max: 700}
think_time: 7 s
max_context_tokens: 100000
slo: {ttft: 3 s, tpot: 100 ms}
)";

// A small coding_sessions workload (one team, no repository prefix, fixed lengths), its
// keys changed by `set` and those in `drop` left out, each line prefixed by `indent` (to
// nest it in a mix).
static std::string sessions_yaml(const std::map<std::string, std::string>& set, const std::string& indent = "",
                                 const std::set<std::string>& drop = {}) {
  std::map<std::string, std::string> keys = {{"name", "cs"},
                                             {"type", "coding_sessions"},
                                             {"arrival", "{type: poisson, rate: 1/s}"},
                                             {"sessions", "2"},
                                             {"teams", "1"},
                                             {"repo_prefix_tokens", "0"},
                                             {"first_turn_tokens", "{distribution: fixed, value: 100}"},
                                             {"turns", "{distribution: fixed, value: 2}"},
                                             {"new_tokens", "{distribution: fixed, value: 100}"},
                                             {"output_tokens", "{distribution: fixed, value: 10}"},
                                             {"think_time", "1 s"},
                                             {"max_context_tokens", "10000"}};
  for (const auto& [k, v] : set) keys[k] = v;
  for (const std::string& k : drop) keys.erase(k);
  std::string yaml;
  for (const auto& [k, v] : keys) yaml += indent + k + ": " + v + "\n";
  return yaml;
}

// A mix of a stream of `requests` at `rate` (stream 0) and sessions_yaml(set) (stream 1).
static std::string stream_and_sessions(const std::string& rate, int requests,
                                       const std::map<std::string, std::string>& set) {
  return "name: mixed\ntype: mix\nstreams:\n  - workload: {name: s, type: stream, arrival: {type: poisson, rate: " +
         rate + "}, requests: " + std::to_string(requests) +
         ", input_tokens: {distribution: fixed, value: 100}, output_tokens: {distribution: fixed, value: 10}}\n"
         "  - workload:\n" +
         sessions_yaml(set, "      ");
}

TEST_CASE("coding sessions: each turn extends the previous turn's prompt and blocks, a think time after it completes",
          "[workload][sessions]") {
  const Workload w = parse_workload(kSessions);
  CHECK(w.slo.ttft == 3);
  auto gen = make_generator(w, 5);
  bool ordered;
  const auto served = drive(
      *gen, [](const RequestSpec& r) { return 0.5 + 0.002 * double(r.output_tokens); }, &ordered);
  CHECK(ordered);
  const auto sessions = by_session(served);
  REQUIRE(sessions.size() == 40);
  CHECK(sessions.begin()->first == 0);
  CHECK(sessions.rbegin()->first == 39);
  size_t turns = 0;
  bool extends = true, after_think = true, counts = true;
  for (const auto& [id, s] : sessions) {
    turns += s.size();
    counts = counts && s.size() >= 2 && s.size() <= 6;
    const RequestSpec& first = s[0].spec;
    extends = extends && first.input_tokens >= 2100 && first.input_tokens <= 5000 &&
              first.blocks.size() == size_t(first.input_tokens / 512);
    for (size_t k = 1; k < s.size(); ++k) {
      const RequestSpec &a = s[k - 1].spec, &b = s[k].spec;
      const int64_t added = b.input_tokens - a.input_tokens - a.output_tokens;
      extends = extends && added >= 50 && added <= 2000 && b.blocks.size() == size_t(b.input_tokens / 512) &&
                std::equal(a.blocks.begin(), a.blocks.end(), b.blocks.begin());
      after_think = after_think && b.arrival == s[k - 1].done + 7.0;
    }
  }
  CHECK(counts);
  CHECK(extends);
  CHECK(after_think);
  CHECK(turns == served.size());
  CHECK(turns > 40 * 3);  // uniform 2-6 turns: ~160
}

TEST_CASE("coding sessions: a team's sessions share the repository prefix blocks, and nothing else",
          "[workload][sessions]") {
  auto gen = make_generator(parse_workload(kSessions), 9);
  bool ordered;
  const auto sessions = by_session(drive(
      *gen, [](const RequestSpec&) { return 1.0; }, &ordered));
  std::map<uint64_t, std::vector<std::vector<uint64_t>>> prefixes;  // first block -> each session's first 3
  std::set<uint64_t> repo_ids, own_ids;
  size_t own_count = 0;
  for (const auto& [id, s] : sessions) {
    const auto& blocks = s.back().spec.blocks;  // the longest prompt of the session
    REQUIRE(blocks.size() >= 4);
    prefixes[blocks[0]].push_back({blocks.begin(), blocks.begin() + 3});
    repo_ids.insert(blocks.begin(), blocks.begin() + 3);
    own_ids.insert(blocks.begin() + 3, blocks.end());
    own_count += blocks.size() - 3;
  }
  CHECK(prefixes.size() == 3);  // 3 teams, 40 sessions: all used
  for (const auto& [first, group] : prefixes) {
    CHECK(group.size() > 1);
    for (const auto& p : group) CHECK(p == group[0]);
  }
  CHECK(repo_ids.size() == 9);         // 3 blocks of each team
  CHECK(own_ids.size() == own_count);  // session blocks are the session's alone
  for (uint64_t id : repo_ids) CHECK(own_ids.count(id) == 0);
}

TEST_CASE("coding sessions end at the context cap, after their turns, or when starts stop", "[workload][sessions]") {
  // Prompts 2000, 3500, 5000, then 6500 > 6000: three turns of the ten.
  std::map<std::string, std::string> keys = {
      {"arrival", "{type: gamma, rate: 1/s, cv: 2}"},
      {"sessions", "12"},
      {"repo_prefix_tokens", "1000"},
      {"first_turn_tokens", "{distribution: fixed, value: 1000}"},
      {"turns", "{distribution: fixed, value: 10}"},
      {"new_tokens", "{distribution: fixed, value: 1000}"},
      {"output_tokens", "{distribution: fixed, value: 500}"},
      {"think_time", "{distribution: lognormal, mean: 20 s, cv: 1, min: 1 s, max: 60 s}"},
      {"max_context_tokens", "6000"}};
  bool ordered;
  auto gen = make_generator(parse_workload(sessions_yaml(keys)), 3);
  auto sessions = by_session(drive(
      *gen, [](const RequestSpec&) { return 2.0; }, &ordered));
  CHECK(ordered);
  REQUIRE(sessions.size() == 12);
  for (const auto& [id, s] : sessions) {
    REQUIRE(s.size() == 3);
    CHECK(s[2].spec.input_tokens == 5000);
    const double think = s[1].spec.arrival - s[0].done;
    CHECK(think >= 1 - 1e-9);
    CHECK(think <= 60 + 1e-9);
  }
  // Turns run out first when the context is large.
  keys["max_context_tokens"] = "100000";
  gen = make_generator(parse_workload(sessions_yaml(keys)), 3);
  sessions = by_session(drive(
      *gen, [](const RequestSpec&) { return 2.0; }, &ordered));
  for (const auto& [id, s] : sessions) CHECK(s.size() == 10);
  // With a duration instead of a count, no session starts after it.
  keys["duration"] = "50 s";
  keys["arrival"] = "{type: poisson, rate: 2/s}";
  gen = make_generator(parse_workload(sessions_yaml(keys, "", {"sessions"})), 3);
  sessions = by_session(drive(
      *gen, [](const RequestSpec&) { return 2.0; }, &ordered));
  CHECK(sessions.size() == Approx(100).margin(35));  // Poisson: sd 10
  double last_start = 0;
  for (const auto& [id, s] : sessions) last_start = std::max(last_start, s[0].spec.arrival);
  CHECK(last_start <= 50);
  CHECK(last_start > 45);
}

TEST_CASE("document batches: a job's documents share its arrival and its group id", "[workload][batch]") {
  const Workload w = parse_workload(R"(
name: jobs
type: document_batch
arrival: {type: poisson, rate: 1/min}
jobs: 2000
documents_per_job: {distribution: uniform, min: 3, max: 8}
input_tokens: {distribution: uniform, min: 20000, max: 200000}
output_tokens: {distribution: fixed, value: 100}
deadline: 30 min
)");
  CHECK(w.deadline == 1800);
  auto gen = make_generator(w, 2);
  const auto docs = drain(*gen);
  CHECK(gen->exhausted());
  std::map<int64_t, std::vector<RequestSpec>> jobs;
  bool contiguous = true;
  for (size_t i = 0; i < docs.size(); ++i) {
    contiguous =
        contiguous && (i == 0 || docs[i].session == docs[i - 1].session || docs[i].session == docs[i - 1].session + 1);
    jobs[docs[i].session].push_back(docs[i]);
  }
  CHECK(contiguous);
  REQUIRE(jobs.size() == 2000);
  CHECK(jobs.begin()->first == 0);
  std::set<size_t> sizes;
  bool shared = true;
  for (const auto& [id, d] : jobs) {
    sizes.insert(d.size());
    for (const auto& x : d) shared = shared && x.arrival == d[0].arrival && x.input_tokens >= 20000;
  }
  CHECK(shared);
  CHECK(*sizes.begin() == 3);
  CHECK(*sizes.rbegin() == 8);
  CHECK(jobs.rbegin()->second[0].arrival / 1999 == Approx(60).epsilon(0.05));  // a job a minute
}

static const char* kTwoStreams = R"(
name: two
type: mix
streams:
  - workload: {name: a, type: stream, arrival: {type: poisson, rate: 10/s}, duration: 1000 s,
               input_tokens: {distribution: fixed, value: 100}, output_tokens: {distribution: fixed, value: 10}}
  - workload: {name: b, type: stream, arrival: {type: poisson, rate: 10/s}, duration: 1000 s,
               input_tokens: {distribution: fixed, value: 200}, output_tokens: {distribution: fixed, value: 10},
               slo: {ttft: 1 s}}
    weight: 3
slo: {ttft: 5 s, tpot: 50 ms}
)";

TEST_CASE("a mix merges its streams by arrival and scales each rate by its weight", "[workload][mix]") {
  const Workload w = parse_workload(kTwoStreams);
  REQUIRE(w.streams.size() == 2);
  CHECK(w.streams[1].weight == 3);
  CHECK(w.slo_of(0).ttft == 5);  // inherited from the mix
  CHECK(w.slo_of(1).ttft == 1);  // its own
  CHECK(w.slo_of(1).tpot == 0.05);
  auto gen = make_generator(w, 11);
  const auto all = drain(*gen);
  CHECK(gen->exhausted());
  REQUIRE(all.size() > 2);
  // Both streams start at t = 0: the tie goes to the lower index.
  CHECK(all[0].stream == 0);
  CHECK(all[1].stream == 1);
  CHECK(all[1].arrival == 0);
  int64_t n[2] = {0, 0};
  bool ordered = true, tagged = true;
  for (size_t i = 0; i < all.size(); ++i) {
    ++n[all[i].stream];
    ordered = ordered && (i == 0 || all[i].arrival >= all[i - 1].arrival);
    tagged = tagged && all[i].input_tokens == (all[i].stream == 0 ? 100 : 200);
  }
  CHECK(ordered);
  CHECK(tagged);
  CHECK(n[0] == Approx(10000).epsilon(0.03));
  CHECK(double(n[1]) / double(n[0]) == Approx(3).epsilon(0.05));
}

TEST_CASE("a mix forwards completions to the stream a request came from", "[workload][mix]") {
  const Workload w = parse_workload(stream_and_sessions(
      "1/s", 5, {{"repo_prefix_tokens", "1024"}, {"turns", "{distribution: fixed, value: 3}"}, {"think_time", "2 s"}}));
  CHECK(w.block_tokens == 512);
  auto gen = make_generator(w, 4);
  bool ordered;
  const auto served = drive(
      *gen, [](const RequestSpec&) { return 1.5; }, &ordered);
  CHECK(ordered);
  std::map<int, std::vector<Served>> streams;
  for (const auto& x : served) streams[x.spec.stream].push_back(x);
  REQUIRE(streams[0].size() == 5);
  for (const auto& x : streams[0]) CHECK(x.spec.session == -1);
  const auto sessions = by_session(streams[1]);  // turns 2 and 3 need the forwarded completions
  REQUIRE(sessions.size() == 2);
  for (const auto& [id, s] : sessions) {
    REQUIRE(s.size() == 3);
    CHECK(s[2].spec.arrival == s[1].done + 2);
  }
}

TEST_CASE("a turn that becomes ready before an arrival already returned is returned at that arrival",
          "[workload][sessions][mix]") {
  // Session 0 starts at 0; the next start (session 1, or the stream's second request) comes
  // much later. Turn 1 of session 0 completes at 1 s while the caller already holds that
  // later arrival: turn 2 (ready at 2 s) cannot go back in time.
  const std::map<std::string, std::string> rare = {{"arrival", "{type: poisson, rate: 0.01/s}"}};
  auto gen = make_generator(parse_workload(sessions_yaml(rare)), 1);
  RequestSpec first, later, turn2;
  REQUIRE(gen->next(&first));
  REQUIRE(gen->next(&later));
  REQUIRE(later.arrival > 2);
  gen->on_complete(first, 1.0);
  REQUIRE(gen->next(&turn2));
  CHECK(turn2.session == first.session);
  CHECK(turn2.arrival == later.arrival);

  std::map<std::string, std::string> one = rare;  // one such session, in a mix
  one["sessions"] = "1";
  auto mix = make_generator(parse_workload(stream_and_sessions("0.01/s", 2, one)), 1);
  RequestSpec r0, r1, r2, r3;
  REQUIRE(mix->next(&r0));
  REQUIRE(mix->next(&r1));
  CHECK(r1.stream == 1);
  REQUIRE(mix->next(&r2));
  REQUIRE(r2.stream == 0);  // the stream's second request, long after the first session started
  REQUIRE(r2.arrival > 2);
  mix->on_complete(r1, 1.0);
  double peeked;
  REQUIRE(mix->peek(&peeked));
  REQUIRE(mix->next(&r3));
  CHECK(r3.stream == 1);
  CHECK(r3.session == r1.session);
  CHECK(r3.arrival == r2.arrival);
  CHECK(peeked == r3.arrival);
}

TEST_CASE("the streams of a mix never share block ids", "[workload][mix][trace]") {
  const std::string trace =
      "{name: mc, type: mooncake_trace, path: ../data/traces/conversation_trace.jsonl, limit: 40}";
  const Workload mix = parse_workload("name: twice\ntype: mix\nstreams:\n  - {workload: " + trace +
                                      "}\n  - {workload: " + trace + ", weight: 2}\n");
  const Workload one = mix.streams[0];
  const auto alone = drain(*make_generator(one, 1));
  const auto mixed = drain(*make_generator(mix, 1));
  REQUIRE(mixed.size() == 80);
  std::vector<RequestSpec> s0, s1;
  for (const auto& r : mixed) (r.stream == 0 ? s0 : s1).push_back(r);
  REQUIRE(s0.size() == 40);
  CHECK(s1[39].arrival == Approx(s0[39].arrival / 2));  // weight 2: twice the recorded rate
  std::set<uint64_t> ids0, ids1;
  for (const auto& r : s0) ids0.insert(r.blocks.begin(), r.blocks.end());
  for (const auto& r : s1) ids1.insert(r.blocks.begin(), r.blocks.end());
  for (uint64_t id : ids0) CHECK(ids1.count(id) == 0);
  // Within a stream, equal ids stay equal: rows 0 and 1 share their first block.
  CHECK(alone[0].blocks[0] == alone[1].blocks[0]);
  CHECK(s0[0].blocks[0] == s0[1].blocks[0]);
  CHECK(s0[0].blocks[0] != alone[0].blocks[0]);
  CHECK(ids0.size() == std::set<uint64_t>(ids0).size());
}

TEST_CASE("mix and session errors name the file, line and key", "[workload][mix][errors]") {
  const std::string file = test::repo("workloads/test.yaml");
  CHECK(workload_error(R"(
name: bad
type: mix
streams:
  - workload: coding-sessions.yaml
  - workload: {name: t, type: mooncake_trace, path: ../data/traces/synthetic_trace.jsonl}
)") == "");  // block sizes agree (both 512)
  CHECK(workload_error(R"(
name: bad
type: mix
streams:
  - workload: coding-sessions.yaml
  - workload: {name: d, type: stream, arrival: {type: poisson, rate: -3/s}, requests: 5,
               input_tokens: {distribution: fixed, value: 1}, output_tokens: {distribution: fixed, value: 1}}
)") == file + ":6:70: streams[1].workload.arrival.rate: value -3/s is out of range (must be above 0)");
  CHECK(workload_error("name: m\ntype: mix\nstreams: []\n") ==
        file + ":3:10: streams: expected a non-empty list of {workload, weight}");
  CHECK(workload_error("name: m\ntype: mix\nstreams:\n  - workload: mix.yaml\n") ==
        file + ":4:15: streams[0].workload: a mix cannot contain a mix");
  CHECK(workload_error("name: m\ntype: mix\nstreams:\n  - {workload: closed-loop.yaml, weight: 2}\n") ==
        file +
            ":4:42: streams[0].weight: a closed_loop stream has no arrival rate to scale (change its users instead)");
  CHECK(workload_error("name: m\ntype: mix\nstreams:\n  - {workload: nope.yaml}\n") ==
        file + ":4:16: streams[0].workload: cannot open \"" + test::repo("workloads/nope.yaml") + "\"");
  CHECK(workload_error("name: t\ntype: mooncake_trace\npath: nope.jsonl\n") ==
        file + ":3:7: path: cannot open \"" + test::repo("workloads/nope.jsonl") + "\"");
  const std::string sessions = kSessions;
  const std::string two_sizes = "name: m\ntype: mix\nstreams:\n  - workload: coding-sessions.yaml\n  - workload:\n" +
                                sessions_yaml({{"block_tokens", "256"}}, "      ");
  CHECK(workload_error(two_sizes) ==
        file +
            ":6:7: streams[1].workload: block_tokens 256 differs from 512 of coding-sessions: the streams of a mix "
            "share one KV block size");
  CHECK(workload_error(
            std::regex_replace(sessions, std::regex("max_context_tokens: 100000"), "max_context_tokens: 4000")) ==
        file + ":13:21: max_context_tokens: must hold the repository prefix plus the longest first turn (5000 tokens)");
  CHECK(workload_error(std::regex_replace(sessions, std::regex("think_time: 7 s"), "think_time: 7")) ==
        file +
            ":12:13: think_time: expected a duration such as \"5 ms\", found \"7\" (a unit is required: one of ns, us, "
            "ms, s, min, h, d, y)");
  CHECK(workload_error(std::regex_replace(sessions, std::regex("sessions: 40"), "")) ==
        file + ":2:1: sessions: give sessions or duration (or both)");
}

TEST_CASE("a diurnal curve puts more arrivals near its peak, keeping the mean rate", "[workload][diurnal]") {
  const Workload w = parse_workload(R"(
name: day
type: stream
arrival: {type: poisson, rate: 10/s, diurnal: {period: 1000 s, amplitude: 0.8, peak: 250 s}}
input_tokens: {distribution: fixed, value: 1}
output_tokens: {distribution: fixed, value: 1}
duration: 10000 s
)");
  auto gen = make_generator(w, 8);
  const auto all = drain(*gen);
  int64_t near_peak = 0, near_trough = 0;
  bool ordered = true;
  for (size_t i = 0; i < all.size(); ++i) {
    ordered = ordered && (i == 0 || all[i].arrival >= all[i - 1].arrival);
    const double phase = std::fmod(all[i].arrival - 250 + 1000, 1000);  // 0 at the peak
    if (phase < 100 || phase > 900) ++near_peak;
    if (std::fabs(phase - 500) < 100) ++near_trough;
  }
  CHECK(ordered);
  CHECK(double(all.size()) / 10000 == Approx(10).epsilon(0.01));  // ten whole periods at the mean rate
  // Expected per window of +-100 s over 10 periods: rate x (200 s +- 0.8 x 1000/π x sin(0.2π)).
  const double swing = 0.8 * 1000 / M_PI * std::sin(0.2 * M_PI);
  CHECK(double(near_peak) == Approx(10 * 10 * (200 + swing)).epsilon(0.05));
  CHECK(double(near_trough) == Approx(10 * 10 * (200 - swing)).epsilon(0.05));
  // Errors: an amplitude of 1 would stop the arrivals.
  CHECK(
      workload_error("name: d\ntype: stream\narrival: {type: poisson, rate: 1/s, diurnal: {amplitude: 1, peak: 1 h}}\n"
                     "input_tokens: {distribution: fixed, value: 1}\noutput_tokens: {distribution: fixed, value: 1}\n"
                     "requests: 5\n")
          .find("arrival.diurnal.amplitude: must be below 1") != std::string::npos);
}

TEST_CASE("every shipped workload file loads and generates requests", "[workload]") {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(test::repo("workloads")))
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 9);
  for (const auto& f : files) {
    INFO(f);
    const Workload w = workload_from_yaml(load_yaml_file(f), f);
    auto gen = make_generator(w, 1);
    RequestSpec r;
    REQUIRE(gen->next(&r));
    CHECK(r.input_tokens > 0);
  }
  const Workload mix =
      workload_from_yaml(load_yaml_file(test::repo("workloads/mix.yaml")), test::repo("workloads/mix.yaml"));
  REQUIRE(mix.streams.size() == 2);
  CHECK(mix.slo_of(0).ttft == 3);
  CHECK(mix.slo_of(1).ttft == 30);
}

TEST_CASE("coding sessions run end to end: every turn of every session is served", "[workload][sessions][serving]") {
  Scenario sc = test::load_one(test::data("lone.yaml"), {{"workload", test::repo("workloads/coding-sessions.yaml")},
                                                         {"workload.sessions", "4"},
                                                         {"workload.turns", "{distribution: fixed, value: 3}"}});
  const nlohmann::json r = test::run(sc);
  CHECK(r["requests"]["generated"] == 12);
  CHECK(r["requests"]["completed"].get<int64_t>() + r["requests"]["rejected"].get<int64_t>() == 12);
}

static const char* kOffline = R"(
name: bench
type: offline
requests: 50
input_tokens: {distribution: uniform, min: 100, max: 900}
output_tokens: {distribution: fixed, value: 20}
)";

TEST_CASE("offline: every request is submitted at t = 0 with its drawn lengths", "[workload][offline]") {
  const Workload w = parse_workload(kOffline);
  CHECK(w.type == "offline");
  auto gen = make_generator(w, 5);
  CHECK_FALSE(gen->reacts_to_completions());
  double first;
  REQUIRE(gen->peek(&first));
  CHECK(first == 0);
  const auto all = drain(*gen);
  REQUIRE(all.size() == 50);
  CHECK(gen->exhausted());
  std::set<int64_t> lengths;
  for (const auto& r : all) {
    CHECK(r.arrival == 0);
    CHECK(r.input_tokens >= 100);
    CHECK(r.input_tokens <= 900);
    CHECK(r.output_tokens == 20);
    lengths.insert(r.input_tokens);
  }
  CHECK(lengths.size() > 10);  // drawn, not one value
  const auto again = drain(*make_generator(w, 5));
  for (size_t i = 0; i < all.size(); ++i) CHECK(again[i].input_tokens == all[i].input_tokens);
  // Its keys are checked, and a mix cannot scale it.
  const std::string file = test::repo("workloads/test.yaml");
  CHECK(workload_error("name: o\ntype: offline\ninput_tokens: {distribution: fixed, value: 1}\n"
                       "output_tokens: {distribution: fixed, value: 1}\n") ==
        file + ":1:1: requests: missing required key");
  CHECK(workload_error(std::string("name: m\ntype: mix\nstreams:\n  - weight: 2\n    workload:\n") +
                       std::regex_replace(kOffline, std::regex("\n(.)"), "\n      $1")) ==
        file + ":4:13: streams[0].weight: an offline stream submits everything at once: it has no rate to scale");
}

TEST_CASE("offline runs end to end: the queue drains at the deployment's throughput", "[workload][offline][serving]") {
  const std::string path = std::filesystem::temp_directory_path() / ("offline-" + std::to_string(getpid()) + ".yaml");
  { std::ofstream(path) << kOffline; }
  Scenario sc = test::load_one(test::data("lone.yaml"), {{"workload", path}});
  std::remove(path.c_str());
  const nlohmann::json r = test::run(sc);
  CHECK(r["requests"]["generated"] == 50);
  CHECK(r["requests"]["completed"] == 50);
  // Every request waits from t = 0: the slowest first tokens come many steps after the first.
  const auto& ttft = r["latency_s"]["ttft"];
  CHECK(ttft["p99"].get<double>() > 3 * ttft["p50"].get<double>() / 2);
}

TEST_CASE("load_scale multiplies a stream's, a trace's and a mix's rates; a closed loop refuses it", "[workload]") {
  const std::string stream =
      "{name: s, type: stream, arrival: {type: poisson, rate: 10/s}, requests: 4000,"
      " input_tokens: {distribution: fixed, value: 100}, output_tokens: {distribution: fixed, value: 10}";
  auto span = [](const Workload& w) {
    auto gen = make_generator(w, 5);
    const auto all = drain(*gen);
    return all.back().arrival - all.front().arrival;
  };
  const double one = span(parse_workload(stream + "}"));
  CHECK(span(parse_workload(stream + ", load_scale: 2.5}")) == Approx(one / 2.5).epsilon(1e-9));
  // A trace replays 2x faster.
  const std::string trace =
      "{name: t, type: azure_trace, path: " + kTraces + "AzureLLMInferenceTrace_code.csv, limit: 500";
  CHECK(span(parse_workload(trace + ", load_scale: 2}")) ==
        Approx(span(parse_workload(trace + "}")) / 2).epsilon(1e-9));
  // A mix scales every stream, over their weights.
  std::string mix = kTwoStreams;
  const double mix_one = double(drain(*make_generator(parse_workload(mix), 3)).size());
  mix += "load_scale: 2\n";
  CHECK(double(drain(*make_generator(parse_workload(mix), 3)).size()) == Approx(2 * mix_one).epsilon(0.03));
  CHECK(workload_error(
            "{name: c, type: closed_loop, users: 4, think_time: 1 s, requests: 10, load_scale: 2,"
            " input_tokens: {distribution: fixed, value: 100}, output_tokens: {distribution: fixed, value: 10}}")
            .find("load_scale") != std::string::npos);
}
