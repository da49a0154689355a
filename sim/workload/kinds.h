// The workload kinds `type:` accepts: each kind's name, the reader of its keys and the
// factory of its generator, one file per kind in generators/. The strict reader
// (config/workload.cpp) takes its choices from this list, so a kind listed in kinds.cpp
// is at once accepted in workload files and generated.
//
// A new kind: generators/NAME.cpp (its parameters, its reader and its generator, and a
// function returning its WorkloadKind), one line in kinds.cpp, one line in
// CMakeLists.txt, and its case in tests/test_workload.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/workload.h"

namespace stacksim {

class Generator;

// Where a generator stands: its seed, its index in a mix (-1: on its own; the streams of
// a mix keep their block ids apart by it) and the factor its arrival rates are multiplied
// by (a mix's weight; a trace multiplies its time_scale).
struct Part {
  uint64_t seed = 0;
  int stream = -1;
  double rate_scale = 1;
};

struct WorkloadKind {
  std::string name;
  // Reads the kind's own keys (name, description, type and slo are read for it) into
  // w->params, and sets the shared fields of Workload that concern it.
  void (*read)(MapReader& r, Workload* w);
  // REQUIRES: w read by `read`. Trace files are read here; a bad trace throws ConfigError.
  std::unique_ptr<Generator> (*make)(const Workload& w, const Part& part);
  // Why a mix's weight cannot scale this kind ("": it can).
  std::string fixed_rate;
};

// Every kind, in the order the reader's error message lists them.
const std::vector<WorkloadKind>& workload_kinds();
// REQUIRES: `name` is one of workload_kinds() (the reader accepts no other).
const WorkloadKind& workload_kind(const std::string& name);

// The parameters of `w`, as its kind's reader stored them.
template <class Params>
const Params& params_of(const Workload& w) {
  return dynamic_cast<const Params&>(*w.params);
}

}  // namespace stacksim
