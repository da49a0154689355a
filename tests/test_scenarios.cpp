// Every example scenario under scenarios/ runs, and accounts for every request.
#include <dirent.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>

#include "helpers.h"

using stacksim::test::repo;
using stacksim::test::shell;

TEST_CASE("every example scenario runs and accounts for every request", "[scenarios]") {
  std::vector<std::string> files;
  DIR* d = opendir(repo("scenarios").c_str());
  REQUIRE(d);
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n.size() > 5 && n.substr(n.size() - 5) == ".yaml") files.push_back(n);
  }
  closedir(d);
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 7);
  const stacksim::test::TempDir tmp("stacksim-scen");
  const std::string dir = tmp.path();
  for (const auto& f : files) {
    INFO(f);
    const std::string out = dir + "/" + f + ".json";
    const auto r = shell(std::string(STACKSIM_BIN) + " run " + repo("scenarios/" + f) + " -q --jobs 2 -o " + out);
    INFO(r.output);
    REQUIRE(r.code == 0);
    const nlohmann::json doc = nlohmann::json::parse(std::ifstream(out));
    for (const auto& s : doc["scenarios"]) {
      INFO(s["scenario"].get<std::string>());
      const auto& q = s["requests"];
      CHECK(q["generated"].get<int64_t>() > 0);
      CHECK(q["completed"].get<int64_t>() + q["rejected"].get<int64_t>() + q["in_flight"].get<int64_t>() ==
            q["generated"].get<int64_t>());
      CHECK(s["kv_cache"]["overflows"] == 0);
    }
  }
}

TEST_CASE("the bench scenarios load, and a slice of each runs with every request accounted for", "[scenarios]") {
  // bench/run times them in full; here only 2,000 requests each, with --stats.
  for (const char* f : {"bench/large.yaml", "bench/scaling.yaml"}) {
    INFO(f);
    const stacksim::test::TempDir tmp("stacksim-bench");
    const std::string dir = tmp.path();
    const std::string stats = dir + "/stats.json", out = dir + "/out.json";
    const auto r = shell(std::string(STACKSIM_BIN) + " run " + repo(f) + " -q --set workload.requests=2000 --stats " +
                         stats + " -o " + out);
    INFO(r.output);
    REQUIRE(r.code == 0);
    const nlohmann::json st = nlohmann::json::parse(std::ifstream(stats));
    const nlohmann::json doc = nlohmann::json::parse(std::ifstream(out));
    REQUIRE(st.size() == 1);
    CHECK(st[0]["requests"] == 2000);
    CHECK(st[0]["simgrid_activities"] == doc["scenarios"][0]["engine"]["simgrid_activities"]);
    CHECK(st[0]["simgrid_activities"].get<int64_t>() > 2000);  // at least a flow and a step per request
    CHECK(st[0]["peak_rss_mb"].get<double>() > 1);
    CHECK(doc["scenarios"][0]["requests"]["completed"] == 2000);
    CHECK_FALSE(doc.dump().find("wall") != std::string::npos);  // measurements stay out of the summary
  }
}

TEST_CASE("memory stays O(requests in flight): 8x the requests, nearly the same peak RSS", "[scenarios][memory]") {
  // One rack at the same rate for 10,500 and for 84,000 requests: request slots are
  // reused, so only the latency samples (24 bytes a request) grow. Keeping every request
  // (~200 bytes each) would add ~15 MB.
  const stacksim::test::TempDir tmp("stacksim-mem");
  const std::string dir = tmp.path();
  auto peak = [&](int requests) {
    const std::string stats = dir + "/stats.json";
    // Under AddressSanitizer freed memory is held in quarantine: turn it off to measure reuse.
    const auto r = shell("ASAN_OPTIONS=${ASAN_OPTIONS}:quarantine_size_mb=0:thread_local_quarantine_size_kb=0 " +
                         std::string(STACKSIM_BIN) + " run " + repo("bench/scaling.yaml") +
                         " -q --set workload.requests=" + std::to_string(requests) + " --stats " + stats);
    INFO(r.output);
    REQUIRE(r.code == 0);
    return nlohmann::json::parse(std::ifstream(stats))[0]["peak_rss_mb"].get<double>();
  };
  const double small = peak(10500), large = peak(84000);
  INFO("peak RSS " << small << " MB and " << large << " MB");
  CHECK(large < small + 6);
}
