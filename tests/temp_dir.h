// TempDir: a fresh directory under /tmp, removed with everything in it when the object
// goes (a test's end, pass or fail; a fuzzer's normal exit), so that a suite run leaves
// nothing behind. Shared by the Catch2 tests and the libFuzzer harnesses.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace stacksim::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "stacksim-test") {
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a directory " + tmpl);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace stacksim::test
