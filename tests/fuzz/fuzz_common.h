// Shared by the libFuzzer harnesses: each writes its input to a file (the loaders read
// files, as stacksim does) in a private directory, and treats ConfigError as the correct
// answer to bad input. Any other exception escaping a loader is a bug: abort, so that
// libFuzzer records the input.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>

#include "../temp_dir.h"
#include "config/error.h"
#include "workload/traces.h"

namespace stacksim::fuzz {

// A directory of this process's own, created once and removed when the process exits
// normally (a crash leaves it, with the input that crashed).
inline const std::string& work_dir() {
  static const test::TempDir dir("stacksim-fuzz");
  return dir.path();
}

inline std::string write_input(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = work_dir() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), long(size));
  return path;
}

// Runs `f`; bad input must end in ConfigError, nothing else.
template <typename F>
void expect_clean(F&& f) {
  try {
    f();
  } catch (const ConfigError&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stacksim fuzz: an exception other than ConfigError escaped: %s\n", e.what());
    std::abort();
  }
}

// A trace reader (read_azure_trace, read_mooncake_trace) on the input written as `name`:
// bad input ends in ConfigError; what it accepts has positive lengths, arrivals in order.
template <typename Read>
void check_trace(const std::string& name, const uint8_t* data, size_t size, Read read) {
  const std::string path = write_input(name, data, size);
  expect_clean([&] {
    double last = 0;
    for (const RequestSpec& r : read(path, 1.0, 0)) {
      if (r.input_tokens < 1 || r.output_tokens < 1 || !(r.arrival >= last)) std::abort();
      last = r.arrival;
    }
  });
}

}  // namespace stacksim::fuzz
