// The lexicographic choice several routers share: the highest score, then the fewest
// outstanding tokens, then the lowest index, among the instances that are up.
#pragma once

#include <cstdint>

#include "serving/pool_view.h"
#include "serving/router.h"

namespace stacksim {

template <typename Score>
size_t best_of(const PoolView& pool, Score score) {
  size_t best = Router::kNone;
  int64_t best_score = 0;
  for (size_t i = 0; i < pool.size(); ++i) {
    if (!pool.up(i)) continue;
    const int64_t s = score(i);
    if (best == Router::kNone || s > best_score ||
        (s == best_score && pool.outstanding_tokens(i) < pool.outstanding_tokens(best))) {
      best = i;
      best_score = s;
    }
  }
  return best;
}

}  // namespace stacksim
