// What the generators share: the queue of ready requests and the KV block ids.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "util/rng.h"
#include "workload/request.h"

namespace stacksim {

// Requests waiting to be issued, released in arrival order (ties: in the order they were
// added). One added with an arrival earlier than one already released is released at that
// later arrival, so that arrivals never decrease (see Generator::next).
class ReadyQueue {
 public:
  void push(RequestSpec r) {
    heap_.push_back({r.arrival, seq_++, std::move(r)});
    std::push_heap(heap_.begin(), heap_.end(), Later());
  }
  bool peek(double* arrival) const {
    if (heap_.empty()) return false;
    *arrival = std::max(heap_.front().arrival, released_);
    return true;
  }
  bool pop(RequestSpec* out) {
    if (heap_.empty()) return false;
    std::pop_heap(heap_.begin(), heap_.end(), Later());
    *out = std::move(heap_.back().spec);
    heap_.pop_back();
    out->arrival = released_ = std::max(out->arrival, released_);
    return true;
  }
  bool empty() const { return heap_.empty(); }

 private:
  struct Item {
    double arrival;
    uint64_t seq;
    RequestSpec spec;
  };
  struct Later {
    bool operator()(const Item& a, const Item& b) const {
      return a.arrival != b.arrival ? a.arrival > b.arrival : a.seq > b.seq;
    }
  };
  std::vector<Item> heap_;
  uint64_t seq_ = 0;
  double released_ = 0;
};

// KV block ids that are unique by construction: the domain (2 bits), the mix stream
// (6 bits) and a 56-bit payload are packed without overlap, then scattered by a
// bijection. Team and session payloads are owner (32 bits) and block index (24 bits);
// config/workload.cpp enforces those limits.
enum class BlockDomain : uint64_t { Team = 1, Session = 2, Trace = 3 };

inline uint64_t block_id(BlockDomain d, int stream, uint64_t payload) {
  return mix64(uint64_t(d) << 62 | uint64_t(stream) << 56 | payload);
}

inline uint64_t owned_block_id(BlockDomain d, int stream, int64_t owner, int64_t index) {
  return block_id(d, stream, uint64_t(owner) << 24 | uint64_t(index));
}

}  // namespace stacksim
