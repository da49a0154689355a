// The routers serving.router.type accepts, in the order its error message lists them.
// A new router: its file in this directory (defining its make_ function), one line
// here, one line in CMakeLists.txt, and its case in tests/unit/test_routers.cpp.
#include "serving/router.h"
#include "serving/variants.h"

namespace stacksim {

std::unique_ptr<Router> make_round_robin();
std::unique_ptr<Router> make_least_loaded();
std::unique_ptr<Router> make_prefix_aware();
std::unique_ptr<Router> make_shortest_queue();

const Registry<Router>& routers() {
  static const Registry<Router> registry({
      {"round_robin", make_round_robin},
      {"least_loaded", make_least_loaded},
      {"prefix_aware", make_prefix_aware},
      {"shortest_queue", make_shortest_queue},
  });
  return registry;
}

}  // namespace stacksim

namespace stacksim {
std::vector<std::string> router_names() { return routers().names(); }
}  // namespace stacksim
