// Routers: which instance serves a new request. Chosen by serving.router.type through
// make_router(); each policy sees the instances' load and returns an index.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "serving/request.h"

namespace stacksim {

class Instance;

class Router {
 public:
  virtual ~Router() = default;
  // Returns the index in `instances` that will serve `r`. REQUIRES: instances non-empty.
  virtual size_t pick(const Request& r, const std::vector<Instance*>& instances) = 0;
};

// "round_robin" or "least_loaded" (fewest outstanding tokens; ties to the lowest index).
std::unique_ptr<Router> make_router(const std::string& type);

}  // namespace stacksim
