// The workload kinds, in the order `type:`'s error message lists them:
//   stream           open-loop synthetic stream (coding, document processing): an arrival
//                    process and length distributions;
//   closed_loop      N users, each sending its next request when the previous one completes
//                    (plus a think time), as serving benchmarks measure;
//   azure_trace      replay of an Azure LLM inference trace CSV (TIMESTAMP,ContextTokens,GeneratedTokens);
//   mooncake_trace   replay of a Mooncake JSONL trace (timestamp, input_length,
//                    output_length, hash_ids of 512-token blocks);
//   coding_sessions  multi-turn agentic coding sessions: each turn's prompt is the previous
//                    context plus new tokens, issued a think time after the previous turn
//                    completes; a team's sessions share a repository prefix;
//   document_batch   batch jobs of long documents, all submitted at the job's arrival, with
//                    a deadline for the whole job;
//   mix              a weighted mix of other workloads (its `streams`), merged by arrival;
//   offline          every request submitted at t = 0 (offline throughput benchmarks).
// A new kind: its file in generators/ (defining its NAME_kind function), one line here,
// one line in CMakeLists.txt, and its case in tests/test_workload.cpp.
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
WorkloadKind offline_kind();

const std::vector<WorkloadKind>& workload_kinds() {
  static const std::vector<WorkloadKind> kinds = {
      stream_kind(),          closed_loop_kind(),    azure_trace_kind(), mooncake_trace_kind(),
      coding_sessions_kind(), document_batch_kind(), mix_kind(),         offline_kind(),
  };
  return kinds;
}

const WorkloadKind& workload_kind(const std::string& name) {
  for (const WorkloadKind& k : workload_kinds())
    if (k.name == name) return k;
  throw std::invalid_argument("no workload kind named " + name);
}

std::unique_ptr<Generator> make_generator(const Workload& w, uint64_t seed) {
  return workload_kind(w.type).make(w, Part{seed, -1, w.load_scale});
}

}  // namespace stacksim
