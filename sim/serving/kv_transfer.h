// KvTransfers: disaggregated serving moves each finished prompt's KV from its prefill
// chip to its decode chip as a network flow, sharing the links with every other
// transfer. Idle worker actors take the flows; a worker is created only when none is
// idle, so actors exist up to the peak number of transfers in flight, not per request.
#pragma once

#include <deque>
#include <functional>
#include <simgrid/s4u.hpp>

#include "metrics/metrics.h"
#include "serving/instance.h"
#include "serving/request.h"

namespace stacksim {

class KvTransfers {
 public:
  // `landed(r, t)`: r's KV reached its decode chip at t. `lost(r)`: a chip on the way
  // or its prefill instance failed; r must start again.
  KvTransfers(simgrid::s4u::Host* controller, RunStats* run, std::function<void(Request*, double)> landed,
              std::function<void(Request*)> lost);
  // Moves `bytes` of r's KV from `src` to `dst` (dst null: no decode instance is up, the
  // request waits for one without a flow); `from` releases r's KV once it has left.
  void start(Request* r, Instance* from, simgrid::s4u::Host* src, simgrid::s4u::Host* dst, double bytes, double now);
  // Whether a transfer is queued or under way.
  bool busy() const { return in_flight_ > 0; }
  // Releases the SimGrid objects (while the engine still exists).
  void close() { jobs_ = nullptr; }

 private:
  struct Transfer {
    Request* req;
    Instance* source;
    uint64_t epoch;
    simgrid::s4u::Host* src_host;
    simgrid::s4u::Host* dst_host;
    double bytes;
    double start;
  };
  void worker();

  simgrid::s4u::Host* controller_;
  RunStats* run_;
  std::function<void(Request*, double)> landed_;
  std::function<void(Request*)> lost_;
  std::deque<Transfer> queue_;  // transfers not yet taken by a worker
  simgrid::s4u::SemaphorePtr jobs_;
  int64_t idle_workers_ = 0;
  int64_t in_flight_ = 0;  // started and not yet landed or lost
};

}  // namespace stacksim
