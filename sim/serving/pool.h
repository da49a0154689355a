// Pool: the instances of one role on one platform (serving.pools), their router, and
// what the router sees of them (PoolView over the instances' mirrored loads).
#pragma once

#include <deque>
#include <memory>
#include <simgrid/s4u.hpp>
#include <vector>

#include "config/scenario.h"
#include "perf/perf_model.h"
#include "serving/instance.h"
#include "serving/load_board.h"
#include "serving/router.h"

namespace stacksim {

class Pool : public PoolView {
 public:
  // Creates the pool's instances (not yet started). `first_chip`: its first chip's index
  // in the cluster's placement order.
  Pool(const PoolSpec& spec, int first_chip, InstanceListener* listener, int64_t block_tokens,
       const Calendar* calendar);

  size_t size() const override { return instances.size(); }
  const int64_t* loads() const override { return board_.loads(); }
  size_t least_loaded() const override { return board_.least(); }
  int64_t waiting_requests(size_t i) const override { return instances[i]->waiting_requests(); }
  int64_t cached_prefix_tokens(size_t i, const Request& r) const override {
    return instances[i]->cached_prefix_tokens(r);
  }

  // The chip (its index in the cluster) holding request `id`'s KV in instance `i` (its
  // data-parallel rank).
  size_t chip_of(size_t i, int64_t id) const;
  // Hands r to the instance the router picks and returns its index, or keeps it pending
  // while all are down (Router::kNone).
  size_t route(Request* r);

  const PoolSpec* spec;
  std::unique_ptr<PerfModel> perf;
  std::vector<std::unique_ptr<Instance>> instances;
  std::unique_ptr<Router> router;
  int first_chip;
  std::vector<int> down_chips;     // per instance: chips currently failed
  std::vector<double> down_since;  // per instance: when it went down
  std::deque<Request*> pending;    // requests waiting for an instance to come back up
  const Calendar* calendar;        // the run's clock

 private:
  LoadBoard board_;  // one slot per instance, written by the instances
};

}  // namespace stacksim
