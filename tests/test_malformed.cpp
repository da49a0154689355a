// The malformed-input corpus (tests/malformed/CASES): every broken input gives exit code
// 2, exactly one expected error line naming the file, line and key, and no output file.
#include <dirent.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.h"

using stacksim::test::shell;

namespace {

const std::string kDir = std::string(STACKSIM_TEST_DIR) + "/malformed";

struct Case {
  std::string name, args, expect;
  int line;  // in CASES
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

// CASES: comment lines (#), blank lines, and cases of three lines: the name, then the
// arguments and the expected line, each indented by two spaces.
std::vector<Case> read_cases() {
  std::ifstream in(kDir + "/CASES");
  REQUIRE(in);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::vector<Case> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty() || lines[i][0] == '#') continue;
    INFO("CASES line " << i + 1);
    REQUIRE(lines[i][0] != ' ');
    REQUIRE(i + 2 < lines.size());
    REQUIRE(lines[i + 1].rfind("  ", 0) == 0);
    REQUIRE(lines[i + 2].rfind("  stacksim: error: ", 0) == 0);
    out.push_back({lines[i], lines[i + 1].substr(2), lines[i + 2].substr(2), int(i + 1)});
    i += 2;
  }
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("every malformed input gives its one expected error line, exit code 2 and no output", "[errors][corpus]") {
  const std::vector<Case> cases = read_cases();
  CHECK(cases.size() >= 50);
  const stacksim::test::TempDir tmp_dir("stacksim-malformed");
  const std::string tmp = tmp_dir.path();
  std::set<std::string> names;
  for (const Case& c : cases) {
    INFO("case " << c.name << " (CASES line " << c.line << ")");
    CHECK(names.insert(c.name).second);  // names are unique
    const std::string out = tmp + "/" + c.name + ".out";
    const auto r = shell("cd " + kDir + " && " + STACKSIM_BIN + " " + replace_all(c.args, "{out}", out));
    CHECK(r.code == 2);
    CHECK(r.output == replace_all(replace_all(c.expect, "{dir}", kDir), "{out}", out) + "\n");
    CHECK(access(out.c_str(), F_OK) != 0);
  }
}

TEST_CASE("every file of the malformed corpus is used by a case", "[errors][corpus]") {
  // A broken file is named in CASES, or by another broken file (a trace by its workload).
  std::string text = slurp(kDir + "/CASES");
  std::vector<std::string> files;
  DIR* d = opendir(kDir.c_str());
  REQUIRE(d);
  while (dirent* e = readdir(d)) {
    const std::string f = e->d_name;
    if (f == "." || f == ".." || f == "CASES" || f == "ok") continue;
    files.push_back(f);
    text += slurp(kDir + "/" + f);
  }
  closedir(d);
  CHECK(files.size() >= 50);
  for (const std::string& f : files) {
    INFO(f);
    const size_t first = text.find(f);
    CHECK(first != std::string::npos);
  }
}

TEST_CASE("a write that runs out of space leaves no file behind and says why", "[errors][output]") {
  // RLIMIT_FSIZE stands in for a full disk: past 1 KiB every write fails (EFBIG; SIGXFSZ
  // ignored), after the whole simulation ran.
  const stacksim::test::TempDir tmp_dir("stacksim-full");
  const std::string tmp = tmp_dir.path();
  const std::string out = tmp + "/out.json";
  const auto r =
      shell("trap '' XFSZ; ulimit -f 1; cd " + kDir + " && " + STACKSIM_BIN + " run ok/scenario.yaml -q -o " + out);
  CHECK(r.code == 2);
  CHECK(r.output == "stacksim: error: cannot write " + out + ": File too large\n");
  DIR* d = opendir(tmp.c_str());
  REQUIRE(d);
  int entries = 0;
  while (dirent* e = readdir(d)) entries += std::string(e->d_name) != "." && std::string(e->d_name) != "..";
  closedir(d);
  CHECK(entries == 0);  // neither the file nor its temporary
}
