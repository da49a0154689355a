// DecodeOrder: the decoding requests of an instance by the time they started (newest
// last), for preemption. Each entry keeps the epoch its request joined at: an entry whose
// request is done or whose epoch moved on (preempted, or its slot reused by a later
// request) is stale. Stale entries are dropped from the back and, when they outnumber the
// live ones, compacted away, so the list stays O(decoding sequences). Pure: no SimGrid.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "serving/request.h"

namespace stacksim {

class DecodeOrder {
 public:
  // r starts decoding; `decoding` requests (r included) are decoding now.
  void push(Request* r, int64_t decoding) {
    if (entries_.size() >= 2 * static_cast<size_t>(decoding) + 64)
      entries_.erase(std::remove_if(entries_.begin(), entries_.end(), [](const Entry& e) { return !live(e); }),
                     entries_.end());
    entries_.emplace_back(r, r->epoch);
  }
  // Removes and returns the newest live request, or null when none is decoding.
  Request* pop_newest() {
    while (!entries_.empty()) {
      const Entry e = entries_.back();
      entries_.pop_back();
      if (live(e)) return e.first;
    }
    return nullptr;
  }
  // Drops the stale entries at the back (finished requests are of no further use there).
  void trim() {
    while (!entries_.empty() && !live(entries_.back())) entries_.pop_back();
  }
  void clear() { entries_.clear(); }
  size_t size() const { return entries_.size(); }

 private:
  using Entry = std::pair<Request*, uint32_t>;
  static bool live(const Entry& e) { return !e.first->done && e.first->epoch == e.second; }
  std::vector<Entry> entries_;
};

}  // namespace stacksim
