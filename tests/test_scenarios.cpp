// Every example scenario under scenarios/ runs, and accounts for every request.
#include <catch2/catch.hpp>

#include <dirent.h>

#include <algorithm>
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
  char dir[] = "/tmp/stacksim-scen-XXXXXX";
  REQUIRE(mkdtemp(dir));
  for (const auto& f : files) {
    INFO(f);
    const std::string out = std::string(dir) + "/" + f + ".json";
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
