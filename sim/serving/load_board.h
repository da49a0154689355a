// LoadBoard: a pool's instance loads side by side (PoolView::loads()), with a tournament
// tree over them that keeps the least loaded instance (ties to the lowest index) at its
// root: an update walks one leaf-to-root path, O(log n), and the least-loaded pick reads
// the root, O(1), where a scan was O(n) per request. On bench/scaling.yaml's 16 racks
// (48 prefill and 16 decode instances) it saves 0.1% of the instructions (the scan was
// cheap there); a pool of hundreds of instances is where a scan per request would show.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "serving/pool_view.h"

namespace stacksim {

class LoadBoard {
 public:
  explicit LoadBoard(size_t n) : loads_(n, 0), width_(1) {
    while (width_ < n) width_ *= 2;
    tree_.assign(2 * width_, n);  // padding leaves: index n, never preferred (see better())
    for (size_t i = 0; i < n; ++i) tree_[width_ + i] = i;
    for (size_t k = width_ - 1; k >= 1; --k) tree_[k] = better(tree_[2 * k], tree_[2 * k + 1]);
  }

  void set(size_t i, int64_t load) {
    if (loads_[i] == load) return;
    loads_[i] = load;
    for (size_t k = (width_ + i) / 2; k >= 1; k /= 2) {
      const size_t b = better(tree_[2 * k], tree_[2 * k + 1]);
      if (tree_[k] == b && b != i) break;  // the winner above is unchanged from here up
      tree_[k] = b;
    }
  }
  const int64_t* loads() const { return loads_.data(); }
  size_t size() const { return loads_.size(); }
  // The least loaded instance (lowest index among equals); its load is PoolView::kDown when
  // every instance is down. REQUIRES: size() > 0.
  size_t least() const { return tree_[1]; }

 private:
  size_t better(size_t a, size_t b) const {
    if (b >= loads_.size()) return a;
    if (a >= loads_.size()) return b;
    return loads_[b] < loads_[a] ? b : a;  // a < b always: equal loads keep a
  }
  std::vector<int64_t> loads_;
  size_t width_;
  std::vector<size_t> tree_;  // tree_[1] the root; leaves at width_ + i
};

}  // namespace stacksim
