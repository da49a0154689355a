#include "workload/generator.h"

#include <algorithm>

#include "workload/generators/common.h"
#include "workload/traces.h"

namespace stacksim {

// The generator of each Workload::Type, one file each in generators/. A new kind: its
// keys in config/workload.{h,cpp}, its file in generators/ (defining its make_ function),
// its line here and in CMakeLists.txt, and its case in tests/test_workload.cpp.

// Open loop, one request per arrival (Workload::Type::Stream).
std::unique_ptr<Generator> make_stream_generator(const Workload& w, uint64_t seed);
// Open loop, jobs of several documents sharing an arrival and a group id.
std::unique_ptr<Generator> make_document_batch_generator(const Workload& w, uint64_t seed);
// N users, each waiting think_time after its previous request completes.
std::unique_ptr<Generator> make_closed_loop_generator(const Workload& w, uint64_t seed);
// Multi-turn coding sessions; `stream` is the index in a mix (0 on its own), for block ids.
std::unique_ptr<Generator> make_coding_sessions_generator(const Workload& w, uint64_t seed, int stream);
// The streams of a mix merged by arrival.
std::unique_ptr<Generator> make_mix_generator(const Workload& w, uint64_t seed);

namespace {

// A trace's block ids moved into the id space of mix stream `stream`.
std::vector<RequestSpec> in_stream(std::vector<RequestSpec> rows, int stream) {
  for (RequestSpec& r : rows)
    for (uint64_t& id : r.blocks) id = block_id(BlockDomain::Trace, stream, id);
  return rows;
}

}  // namespace

std::unique_ptr<Generator> make_part(const Workload& w, uint64_t seed, int stream) {
  switch (w.type) {
    case Workload::Type::Stream: return make_stream_generator(w, seed);
    case Workload::Type::DocumentBatch: return make_document_batch_generator(w, seed);
    case Workload::Type::ClosedLoop: return make_closed_loop_generator(w, seed);
    case Workload::Type::CodingSessions: return make_coding_sessions_generator(w, seed, std::max(stream, 0));
    case Workload::Type::AzureTrace: return make_trace_generator(read_azure_trace(w.trace_path, w.time_scale, w.limit));
    case Workload::Type::MooncakeTrace: {
      auto rows = read_mooncake_trace(w.trace_path, w.time_scale, w.limit);
      return make_trace_generator(stream < 0 ? std::move(rows) : in_stream(std::move(rows), stream));
    }
    case Workload::Type::Mix: return make_mix_generator(w, seed);
  }
  return nullptr;
}

std::unique_ptr<Generator> make_generator(const Workload& w, uint64_t seed) { return make_part(w, seed, -1); }

}  // namespace stacksim
