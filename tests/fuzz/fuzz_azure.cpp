// libFuzzer harness for the Azure LLM inference trace reader (CSV).
#include <cstdint>

#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stacksim::fuzz::check_trace("trace.csv", data, size, stacksim::read_azure_trace);
  return 0;
}
