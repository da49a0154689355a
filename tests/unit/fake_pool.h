// A pool of instances as plain numbers, for routers (tests/unit/test_routers.cpp).
#pragma once

#include <map>
#include <vector>

#include "serving/pool_view.h"

namespace stacksim::test {

struct FakePool : PoolView {
  std::vector<int64_t> load;     // outstanding tokens, PoolView::kDown when down
  std::vector<int64_t> waiting;  // requests not yet admitted
  std::vector<int64_t> cached;   // cached prefix tokens of any request

  explicit FakePool(std::vector<int64_t> l) : load(std::move(l)), waiting(load.size(), 0), cached(load.size(), 0) {}
  size_t size() const override { return load.size(); }
  const int64_t* loads() const override { return load.data(); }
  int64_t waiting_requests(size_t i) const override { return waiting[i]; }
  int64_t cached_prefix_tokens(size_t i, const Request&) const override { return cached[i]; }
};

}  // namespace stacksim::test
