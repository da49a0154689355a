// Routers: which instance of a pool serves a request. Chosen by serving.router.type
// through make_router(); each policy sees the instances' load and cache and returns an
// index. Instances that are down (a chip failed) are never chosen.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "serving/request.h"

namespace stacksim {

class Instance;

class Router {
 public:
  static constexpr size_t kNone = static_cast<size_t>(-1);
  virtual ~Router() = default;
  // Returns the index in `instances` that will serve `r`, or kNone when all are down.
  virtual size_t pick(const Request& r, const std::vector<Instance*>& instances) = 0;
};

// "round_robin"; "least_loaded" (fewest outstanding tokens; ties to the lowest index);
// "prefix_aware" (the longest cached prefix of the prompt, then least loaded).
// `loads`, when given, mirrors the instances' loads (Instance::set_load_slot, one slot per
// instance in the same order) for the least-loaded policy to scan.
std::unique_ptr<Router> make_router(const std::string& type, const std::vector<int64_t>* loads = nullptr);

}  // namespace stacksim
