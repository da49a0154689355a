// The workload kinds, in the order `type:`'s error message lists them. A new kind: its
// file in generators/ (defining its NAME_kind function), one line here, one line in
// CMakeLists.txt, and its case in tests/test_workload.cpp.
#include "workload/kinds.h"

#include <stdexcept>

#include "workload/generator.h"

namespace stacksim {

WorkloadKind stream_kind();
WorkloadKind closed_loop_kind();
WorkloadKind azure_trace_kind();
WorkloadKind mooncake_trace_kind();
WorkloadKind coding_sessions_kind();
WorkloadKind document_batch_kind();
WorkloadKind mix_kind();

const std::vector<WorkloadKind>& workload_kinds() {
  static const std::vector<WorkloadKind> kinds = {
      stream_kind(),          closed_loop_kind(),    azure_trace_kind(), mooncake_trace_kind(),
      coding_sessions_kind(), document_batch_kind(), mix_kind(),
  };
  return kinds;
}

const WorkloadKind& workload_kind(const std::string& name) {
  for (const WorkloadKind& k : workload_kinds())
    if (k.name == name) return k;
  throw std::invalid_argument("no workload kind named " + name);
}

std::unique_ptr<Generator> make_generator(const Workload& w, uint64_t seed) {
  return workload_kind(w.type).make(w, Part{seed, -1, 1});
}

}  // namespace stacksim
