// libFuzzer harness for the Hugging Face config.json importer.
#include <cstdint>

#include "config/model.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = stacksim::fuzz::write_input("config.json", data, size);
  stacksim::fuzz::expect_clean([&] {
    const stacksim::Model m = stacksim::model_from_hf_config(path);
    // What the simulator derives from it must be finite.
    if (!(m.active_params() >= 0) || !(m.kv_bytes_per_token() >= 0)) std::abort();
  });
  return 0;
}
