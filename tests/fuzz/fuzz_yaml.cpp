// libFuzzer harness for the YAML loaders. The first byte chooses the file kind (platform,
// model, workload, scenario); the rest is the file. The good inputs of tests/malformed/ok
// are copied beside it, so that a scenario can name platform.yaml, model.yaml and
// workload.yaml. A workload that loads also generates up to 200 requests.
#include <cstdint>
#include <filesystem>
#include <string>

#include "config/model.h"
#include "config/platform.h"
#include "config/scenario.h"
#include "config/workload.h"
#include "fuzz_common.h"
#include "perf/fit.h"
#include "workload/generator.h"

using namespace stacksim;

static void draw(const Workload& w) {
  auto g = make_generator(w, 1);
  RequestSpec spec;
  for (int i = 0; i < 200 && g->next(&spec); ++i) {
    if (spec.input_tokens < 1 || spec.output_tokens < 1 || !(spec.arrival >= 0)) std::abort();
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool ready = [] {
    std::filesystem::copy(STACKSIM_FUZZ_OK_DIR, fuzz::work_dir(), std::filesystem::copy_options::overwrite_existing);
    return true;
  }();
  (void)ready;
  if (size < 1) return 0;
  const int kind = data[0] % 4;
  const std::string path = fuzz::write_input("input.yaml", data + 1, size - 1);
  fuzz::expect_clean([&] {
    switch (kind) {
      case 0: load_platform(path); break;
      case 1: load_model(path); break;
      case 2: draw(workload_from_yaml(load_yaml_file(path), path)); break;
      case 3:
        for (const Scenario& sc : load_fitting_scenarios(path, {})) draw(sc.workload);
        break;
    }
  });
  return 0;
}
