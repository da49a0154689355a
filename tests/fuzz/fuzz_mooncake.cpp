// libFuzzer harness for the Mooncake trace reader (JSON lines with prefix-block ids).
#include <cstdint>

#include "fuzz_common.h"
#include "workload/generator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = stacksim::fuzz::write_input("trace.jsonl", data, size);
  stacksim::fuzz::expect_clean([&] {
    double last = 0;
    for (const stacksim::RequestSpec& r : stacksim::read_mooncake_trace(path, 1.0, 0)) {
      if (r.input_tokens < 1 || r.output_tokens < 1 || !(r.arrival >= last)) std::abort();
      last = r.arrival;
    }
  });
  return 0;
}
