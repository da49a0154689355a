// KvTransfers: disaggregated serving moves each finished prompt's KV from its prefill
// chip to its decode chip as a SimGrid flow, sharing the links with every other transfer.
// The flows are the calendar's Flows (serving/calendar.h): while any is under way the
// calendar runs SimGrid's clock up to each of its events, and a flow that lands first is
// handled at its own time.
#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <simgrid/s4u.hpp>
#include <vector>

#include "metrics/metrics.h"
#include "platform/build.h"
#include "serving/calendar.h"
#include "serving/instance.h"
#include "serving/request.h"

namespace stacksim {

class KvTransfers : public Calendar::Flows {
 public:
  // `landed(r, t)`: r's KV reached its decode chip at t. `lost(r)`: a chip on the way
  // or its prefill instance failed; r must start again.
  KvTransfers(Calendar* calendar, RunStats* run, const ClusterHosts* hosts,
              std::function<void(Request*, double)> landed, std::function<void(Request*)> lost);
  static constexpr size_t kNoChip = SIZE_MAX;
  // Moves `bytes` of r's KV from chip `src` to chip `dst` (kNoChip: no decode instance is
  // up, the request waits for one without a flow); `from` releases r's KV once it has left.
  void start(Request* r, Instance* from, size_t src, size_t dst, double bytes, double now);
  // Whether a transfer is under way or due to land now.
  bool busy() const { return !flows_.empty() || !instant_.empty(); }
  bool under_way() const override { return !flows_.empty(); }
  double earliest() const override { return earliest_; }
  bool wait(double until) override;
  // A chip goes off at `now` (serving/failures.cpp): SimGrid's clock comes to the calendar's
  // first, so that the flows through it fail then, and the calendar looks at them at once.
  void chip_failing(double now) {
    if (flows_.empty()) return;
    catch_up(now);
    earliest_ = now;
    for (Transfer& f : flows_) f.earliest = now;  // any of them may fail now
    suspects_ = true;
  }
  // Releases the SimGrid objects (while the engine still exists).
  void close() {
    flows_.clear();
    ended_.clear();
    candidates_.clear();
  }

 private:
  struct Transfer {
    Request* req;
    Instance* source;
    uint64_t epoch;
    double start;
    simgrid::s4u::CommPtr comm;  // its flow (none for one that lands at once)
    double top_rate = 0;         // B/s: its path's slowest link's bandwidth, the most it can get
    // It cannot land before (earliest_landing, from its bytes left when last looked at:
    // looking again can only raise it; chip_failing lowers it to now).
    double earliest = 0;
  };
  // When flow i could land at the earliest, from its bytes left now.
  double earliest_landing(size_t i, double now) const;
  // Brings SimGrid's clock to the calendar's `now` (the flows under way cannot have landed
  // by then: Calendar::Flows::earliest). Within a nanosecond, it stays.
  void catch_up(double now);
  // The flows whose earliest landing is at or before `until`, into candidates_. Only those
  // whose bound is that early are looked at again (their bytes left now).
  void choose_candidates(double until);
  // earliest_ from the flows' bounds.
  void take_earliest() {
    earliest_ = INFINITY;
    for (const Transfer& f : flows_) earliest_ = std::min(earliest_, f.earliest);
  }
  // Moves flow i (ended: landed, or lost) from the flows under way to ended_.
  void take(size_t i, bool lost);
  // After SimGrid reported a failure: takes every flow that ended (failed or finished);
  // whether there was any.
  bool take_failed();
  // r's KV is at its destination at `t` (or was lost on the way).
  void arrive(const Transfer& job, bool lost, double t);

  Calendar* calendar_;
  RunStats* run_;
  std::function<void(Request*, double)> landed_;
  std::function<void(Request*)> lost_;
  std::vector<Transfer> flows_;                   // under way, in the order they started
  std::deque<Transfer> instant_;                  // without a flow: they land at an event now
  std::vector<std::pair<Transfer, bool>> ended_;  // wait()'s: the flows that ended (lost?)
  // wait()'s candidates: the flows that could land by its `until` (the others cannot).
  std::vector<simgrid::s4u::CommPtr> candidates_;
  std::vector<size_t> candidate_index_;
  double earliest_ = INFINITY;  // no flow under way lands before
  // A chip failed since the last wait: every flow may have failed with it, and the next
  // wait looks at each (their bounds are not taken again until then).
  bool suspects_ = false;
  const ClusterHosts* hosts_;
};

}  // namespace stacksim
