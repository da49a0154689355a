// One factory per kind of workload (one file each in generators/); make_part picks one
// by Workload::type (generator.cpp). To add a kind: a struct field set in
// config/workload.h, a file here with its factory declared below, a case in make_part,
// the file in CMakeLists.txt and a test in tests/test_workload.cpp.
#pragma once

#include <memory>
#include <vector>

#include "config/workload.h"
#include "workload/generator.h"

namespace stacksim {

// Open loop, one request per arrival (Workload::Type::Stream).
std::unique_ptr<Generator> make_stream_generator(const Workload& w, uint64_t seed);
// Open loop, jobs of several documents sharing an arrival and a group id.
std::unique_ptr<Generator> make_document_batch_generator(const Workload& w, uint64_t seed);
// N users, each waiting think_time after its previous request completes.
std::unique_ptr<Generator> make_closed_loop_generator(const Workload& w, uint64_t seed);
// Multi-turn coding sessions; `stream` is the index in a mix (0 on its own), for block ids.
std::unique_ptr<Generator> make_coding_sessions_generator(const Workload& w, uint64_t seed, int stream);
// Replays rows read from a trace, in order.
std::unique_ptr<Generator> make_trace_generator(std::vector<RequestSpec> rows);
// The streams of a mix merged by arrival.
std::unique_ptr<Generator> make_mix_generator(const Workload& w, uint64_t seed);

// `stream`: the index in a mix, -1 for a workload on its own.
std::unique_ptr<Generator> make_part(const Workload& w, uint64_t seed, int stream);

}  // namespace stacksim
