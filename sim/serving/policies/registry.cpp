// The batch policies serving.batch_policy accepts. A new policy: its file in this
// directory (defining its make_ function), one line here, one line in CMakeLists.txt,
// and its case in tests/unit/test_batch_policy.cpp.
#include "serving/batch_policy.h"
#include "serving/variants.h"

namespace stacksim {

std::unique_ptr<BatchPolicy> make_fcfs_chunked();
std::unique_ptr<BatchPolicy> make_prefill_first();

const Registry<BatchPolicy>& batch_policies() {
  static const Registry<BatchPolicy> registry({
      {"fcfs_chunked", make_fcfs_chunked},
      {"prefill_first", make_prefill_first},
  });
  return registry;
}

}  // namespace stacksim

namespace stacksim {
std::vector<std::string> batch_policy_names() { return batch_policies().names(); }
}  // namespace stacksim
