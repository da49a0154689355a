// Every router of routers(), over a fake pool view: its choice, ties, and down instances.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "fake_pool.h"
#include "serving/load_board.h"
#include "serving/router.h"

using stacksim::PoolView;
using stacksim::Request;
using stacksim::Router;
using stacksim::routers;
using stacksim::test::FakePool;

namespace {
constexpr int64_t kDown = PoolView::kDown;

size_t pick(const std::string& type, const FakePool& pool) {
  Request r;
  return routers().make(type)->pick(r, pool);
}
}  // namespace

TEST_CASE("the registry lists every router, in the order the reader's error names them") {
  CHECK(routers().names() == std::vector<std::string>{"round_robin", "least_loaded", "prefix_aware", "shortest_queue"});
  CHECK_THROWS_AS(routers().make("random"), std::invalid_argument);
}

TEST_CASE("every router skips instances that are down, and gives kNone when all are") {
  for (const std::string& type : routers().names()) {
    INFO(type);
    FakePool pool({kDown, 500, kDown});
    CHECK(pick(type, pool) == 1);
    FakePool dead({kDown, kDown});
    CHECK(pick(type, dead) == Router::kNone);
    FakePool empty({});
    CHECK(pick(type, empty) == Router::kNone);
  }
}

TEST_CASE("round_robin takes the instances in turn, skipping those down") {
  FakePool pool({0, kDown, 0});
  auto rr = routers().make("round_robin");
  Request r;
  std::vector<size_t> got;
  for (int k = 0; k < 4; ++k) got.push_back(rr->pick(r, pool));
  CHECK(got == std::vector<size_t>{0, 2, 0, 2});
}

TEST_CASE("least_loaded takes the fewest outstanding tokens, ties to the lowest index") {
  CHECK(pick("least_loaded", FakePool({300, 100, 200})) == 1);
  CHECK(pick("least_loaded", FakePool({300, 100, 100})) == 1);
  CHECK(pick("least_loaded", FakePool({kDown, 7, 7})) == 1);
}

TEST_CASE("prefix_aware takes the longest cached prefix, then the least loaded") {
  FakePool pool({100, 300, 200, 50});
  pool.cached = {0, 512, 512, 0};
  CHECK(pick("prefix_aware", pool) == 2);  // 512 cached on 1 and 2; 2 holds less
  pool.cached = {0, 0, 0, 0};
  CHECK(pick("prefix_aware", pool) == 3);  // nothing cached anywhere: least loaded
}

TEST_CASE("shortest_queue takes the fewest waiting requests, then the least loaded") {
  FakePool pool({100, 900, 800, 50});
  pool.waiting = {3, 0, 0, 2};
  CHECK(pick("shortest_queue", pool) == 2);  // 1 and 2 have empty queues; 2 holds fewer tokens
  pool.waiting = {1, 1, 1, 1};
  CHECK(pick("shortest_queue", pool) == 3);
  pool.load[3] = kDown;
  CHECK(pick("shortest_queue", pool) == 0);
}

TEST_CASE("a load board's least loaded instance is a scan's, through random updates, ties and downs") {
  std::mt19937 rng(11);
  for (size_t n : {1, 2, 3, 5, 8, 48, 100}) {
    INFO(n);
    stacksim::LoadBoard board(n);
    std::vector<int64_t> load(n, 0);
    for (int step = 0; step < 5000; ++step) {
      const size_t i = rng() % n;
      const int r = int(rng() % 10);
      // Few distinct values, so that ties are common; now and then an instance goes down.
      load[i] = r == 0 ? kDown : int64_t(rng() % 4) * 1000;
      board.set(i, load[i]);
      const size_t scan = size_t(std::min_element(load.begin(), load.end()) - load.begin());
      REQUIRE(board.least() == scan);
      REQUIRE(board.loads()[i] == load[i]);
    }
  }
}
