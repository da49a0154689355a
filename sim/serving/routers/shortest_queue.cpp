// shortest_queue: the fewest requests waiting for admission (a join-the-shortest-queue
// dispatcher, blind to request sizes), then the least loaded, then the lowest index.
#include "serving/routers/best_of.h"

namespace stacksim {

namespace {

class ShortestQueue : public Router {
 public:
  size_t pick(const Request&, const PoolView& pool) override {
    return best_of(pool, [&](size_t i) { return -pool.waiting_requests(i); });
  }
};

}  // namespace

std::unique_ptr<Router> make_shortest_queue() { return std::make_unique<ShortestQueue>(); }

}  // namespace stacksim
