// PoolView: what a router may see of a pool of instances: how many there are, which are
// up, their load, queue and prefix cache. The simulation's pools implement it over
// their instances; tests implement it with plain numbers (tests/unit/).
#pragma once

#include <cstddef>
#include <cstdint>

#include "serving/request.h"

namespace stacksim {

class PoolView {
 public:
  // The load of an instance that is down: never the least loaded.
  static constexpr int64_t kDown = INT64_MAX;

  virtual ~PoolView() = default;
  virtual size_t size() const = 0;
  // One slot per instance, side by side (a least-loaded pick scans one array): the
  // prompt and output tokens of the requests assigned to it and not yet finished, or
  // kDown while it is down.
  virtual const int64_t* loads() const = 0;
  // Requests assigned to instance i and not yet admitted to its batch.
  virtual int64_t waiting_requests(size_t i) const = 0;
  // Leading prompt tokens of r that instance i's prefix cache holds.
  virtual int64_t cached_prefix_tokens(size_t i, const Request& r) const = 0;

  // The instance with the fewest outstanding tokens (the lowest index among equals; its
  // load is kDown when every instance is down). REQUIRES: size() > 0. This default scans
  // loads(); a pool keeps it in a tournament tree (serving/load_board.h).
  virtual size_t least_loaded() const {
    const int64_t* l = loads();
    size_t best = 0;
    for (size_t i = 1; i < size(); ++i)
      if (l[i] < l[best]) best = i;
    return best;
  }

  bool up(size_t i) const { return loads()[i] != kDown; }
  int64_t outstanding_tokens(size_t i) const { return loads()[i]; }
};

}  // namespace stacksim
