// Traces (`stacksim run --trace FILE.json --trace-window FROM:TO`): the run as Chrome
// trace events, which Perfetto (ui.perfetto.dev) and chrome://tracing open. A process per
// pool, a thread per instance with its steps as complete ("X") events: the batch shape
// the performance model was given (so a step's duration can be recomputed from it) and
// the step time's parts; KV transfers as flow events from the prefill instance to the
// decode instance; failures and preemptions as instant events. Only events starting
// within the window are kept, so that an hour-long run stays small. Times in µs.
//
// The file is one JSON object {"traceEvents": [...]}; each simulation streams its events
// to a part file, one per line followed by a comma, and `stacksim run` joins the parts
// between trace_head() and trace_tail().
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include "config/scenario.h"
#include "perf/perf_model.h"

namespace stacksim {

std::string trace_head();
std::string trace_tail(double from, double to);

class Trace {
 public:
  // `index`: the simulation's place among the run's variants (its process ids follow from it).
  Trace(const std::string& path, const Scenario& sc, size_t index, double from, double to);

  bool in_window(double t) const { return t >= from_ && t < to_; }
  // A step of instance `inst` in pool `pool`: `load` s of KV loads added to the model's time.
  void step(size_t pool, int inst, double start, double duration, const BatchShape& b, const StepTime& t, double load);
  // r's KV leaves instance `inst` of the prefill pool / reaches instance `inst` of the decode pool.
  void transfer_out(int inst, int64_t request, double t);
  // `started`: when it left (a flow is kept when its start is in the window).
  void transfer_in(int inst, int64_t request, double started, double t);
  // An instant event on an instance's track ("failure", "preemption", "repair").
  void instant(size_t pool, int inst, const char* name, double t, int64_t request = -1);
  // Throws std::runtime_error when a write failed.
  void close();

 private:
  int pid(size_t pool) const { return static_cast<int>(index_ * 2 + pool + 1); }
  // Flow ids are global to the file: the simulation's index and the request's id.
  std::string flow_id(int64_t request) const { return std::to_string(index_) + ":" + std::to_string(request); }

  std::ofstream out_;
  std::string path_;
  const size_t index_;
  const double from_, to_;
};

}  // namespace stacksim
