#define CATCH_CONFIG_MAIN
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "helpers.h"

namespace stacksim::test {

Shell shell(const std::string& command) {
  Shell s{-1, {}};
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return s;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) s.output.append(buf, n);
  const int status = pclose(p);
  s.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return s;
}

}  // namespace stacksim::test
