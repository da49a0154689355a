// libFuzzer harness for the Mooncake trace reader (JSON lines with prefix-block ids).
#include <cstdint>

#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stacksim::fuzz::check_trace("trace.jsonl", data, size, stacksim::read_mooncake_trace);
  return 0;
}
