#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "helpers.h"

using namespace stacksim;

static const std::string kTraces = std::string(STACKSIM_DATA_DIR) + "/../shared/data/traces/";

TEST_CASE("the random stream is reproducible and seeds are independent per component", "[workload]") {
  Rng a(stream_seed(42, "coding/arrivals")), b(stream_seed(42, "coding/arrivals")), c(stream_seed(42, "coding/lengths"));
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.next_u64();
    CHECK(x == b.next_u64());
    CHECK(x != c.next_u64());
  }
}

TEST_CASE("gamma arrivals have the requested rate and burstiness", "[workload]") {
  Workload w;
  w.name = "g";
  w.type = Workload::Type::Stream;
  w.arrival = {Arrival::Kind::Gamma, 10.0, 3.0};
  w.input = w.output = LengthDist{};
  w.requests = 200000;
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
  Workload w;
  w.name = "d";
  w.arrival = {Arrival::Kind::Poisson, 5.0, 1.0};
  w.duration = 100;
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
  CHECK(in / rows.size() == Approx(2048).epsilon(0.01));  // data/README.md: input mean 2,048
  CHECK(rows.back().arrival == Approx(3435.948).epsilon(1e-6));  // the last row, within the hour
  // Replayed 4x faster with a limit.
  auto fast = read_azure_trace(kTraces + "AzureLLMInferenceTrace_code.csv", 4.0, 100);
  CHECK(fast.size() == 100);
  CHECK(fast[1].arrival == Approx(0.013));
}

TEST_CASE("malformed traces are rejected with file and line", "[workload][trace][errors]") {
  char path[] = "/tmp/stacksim-trace-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  auto expect = [&](const std::string& text, const std::string& msg) {
    std::ofstream(path) << text;
    try {
      read_azure_trace(path, 1.0, 0);
      FAIL("no error for: " << text);
    } catch (const ConfigError& e) {
      CHECK(std::string(e.what()).find(msg) != std::string::npos);
      INFO(e.what());
    }
  };
  const std::string header = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  expect("a,b\n", ":1:1: expected the header");
  expect(header + "2023-11-16 18:17:03.9,12,3\n2023-11-16 18:17:04.0,x,3\n", ":3:23: ContextTokens: expected a positive");
  expect(header + "2023-11-16 18:17:03.9,12,3\n2023-11-16 18:17:02.0,1,3\n", ":3:1: TIMESTAMP: timestamps must not decrease");
  expect(header + "yesterday,12,3\n", ":2:1: TIMESTAMP: expected a time");
  expect(header, "the trace has no rows");
  std::remove(path);
}

TEST_CASE("the Azure trace runs end to end", "[workload][trace][serving]") {
  Scenario sc = test::load_one(test::data("lone.yaml"),
                               {{"workload", test::repo("workloads/azure-code.yaml")}, {"workload.limit", "300"}});
  const nlohmann::json r = test::run(sc);
  CHECK(r["requests"]["generated"] == 300);
  CHECK(r["requests"]["completed"].get<int64_t>() + r["requests"]["rejected"].get<int64_t>() == 300);
}
