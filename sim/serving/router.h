// Routers: which instance of a pool serves a request. Each variant is one file in
// serving/routers/ and one line of routers() (serving/routers/registry.cpp), whose names
// serving.router.type accepts. A router sees the pool only through PoolView; instances
// that are down are never chosen.
#pragma once

#include <cstddef>
#include <memory>

#include "serving/pool_view.h"
#include "serving/request.h"
#include "util/registry.h"

namespace stacksim {

class Router {
 public:
  static constexpr size_t kNone = static_cast<size_t>(-1);
  virtual ~Router() = default;
  // Returns the index of the instance that will serve `r`, or kNone when all are down.
  virtual size_t pick(const Request& r, const PoolView& pool) = 0;
};

// The routers by name (routers/registry.cpp; each router's file says what it picks).
const Registry<Router>& routers();

}  // namespace stacksim
