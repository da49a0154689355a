// PrefixCache on its own: matching, holding, eviction (leaves first, least recently used
// first) into the second tier and back.
#include <catch2/catch.hpp>

#include "serving/prefix_cache.h"

using stacksim::PrefixCache;

TEST_CASE("a prompt's held blocks match its successors' prefixes, up to the first difference") {
  PrefixCache c(16, 0);
  const std::vector<uint64_t> p{1, 2, 3, 4};
  CHECK(c.hold(p, 0, 4) == 4);
  CHECK(c.hbm_tokens() == 64);
  CHECK_FALSE(c.can_evict());  // held
  CHECK(c.evict(1000) == 0);
  auto m = c.match({1, 2, 9, 10}, 4);  // a branch after block 2
  CHECK(m.hbm_blocks == 2);
  CHECK(m.tier2_blocks == 0);
  CHECK(c.match(p, 3).hbm_blocks == 3);  // the limit
  CHECK(c.match({7, 8}, 2).hbm_blocks == 0);
  CHECK(c.hold(p, 0, 2) == 0);  // already there: nothing added
}

TEST_CASE("a held prefix protects every block on it; extending it moves the hold") {
  PrefixCache c(16, 0);
  const std::vector<uint64_t> a{1, 2, 3, 4}, b{1, 2, 5, 6};
  c.hold(a, 0, 2);              // blocks 1, 2
  CHECK(c.hold(a, 2, 4) == 2);  // the prompt's own blocks 3, 4 join
  CHECK(c.hold(b, 0, 4) == 2);  // 5, 6 branch off block 2
  c.release(a, 4);
  CHECK(c.can_evict());
  CHECK(c.evict(1000) == 32);  // a's branch (4, then 3); b holds 1, 2, 5, 6
  CHECK(c.match(a, 4).hbm_blocks == 2);
  CHECK(c.match(b, 4).hbm_blocks == 4);
  c.release(b, 4);
  CHECK(c.evict(1000) == 64);
  CHECK(c.hbm_tokens() == 0);
}

TEST_CASE("blocks held by nobody are evicted leaves first, least recently released first") {
  PrefixCache c(16, 0);
  const std::vector<uint64_t> a{1, 2}, b{3, 4};
  c.hold(a, 0, 2);
  c.hold(b, 0, 2);
  c.release(a, 2);  // a becomes evictable first
  c.release(b, 2);
  CHECK(c.evict(20) == 32);  // whole blocks: a's leaf, then its root
  CHECK(c.match(a, 2).hbm_blocks == 0);
  CHECK(c.match(b, 2).hbm_blocks == 2);
  CHECK(c.evict(16) == 16);  // b's leaf: b's root still matches
  CHECK(c.match(b, 2).hbm_blocks == 1);
  CHECK(c.evict(1000) == 16);
  CHECK(c.hbm_tokens() == 0);
}

TEST_CASE("evicted blocks move to the second tier, whose own LRU drops the oldest, and load back") {
  PrefixCache c(16, 32);  // the second tier holds 2 blocks
  const std::vector<uint64_t> p{1, 2, 3};
  c.hold(p, 0, 3);
  c.release(p, 3);
  c.evict(48);                    // 3, 2, 1 in that order
  CHECK(c.tier2_tokens() == 32);  // block 3, the oldest, was dropped for block 1
  auto m = c.match(p, 3);
  CHECK(m.hbm_blocks == 0);
  CHECK(m.tier2_blocks == 2);
  CHECK(c.hold(p, 0, 2) == 2);  // loaded back into HBM
  CHECK(c.tier2_tokens() == 0);
  CHECK(c.hbm_tokens() == 32);
  CHECK(c.hold(p, 2, 3) == 1);  // block 3 computed again
  CHECK(c.match(p, 3).hbm_blocks == 3);
}

TEST_CASE("a million-block prefix: matched, held and released by any number of requests") {
  // Bisection and one lock per request: what took a walk over every block per step.
  PrefixCache c(16, 0);
  std::vector<uint64_t> repo(1 << 20);
  for (size_t i = 0; i < repo.size(); ++i) repo[i] = 1000 + i;
  CHECK(c.hold(repo, 0, repo.size()) == int64_t(repo.size()));
  std::vector<uint64_t> mine = repo;
  mine.push_back(0);
  for (int r = 0; r < 1000; ++r) {
    mine.back() = uint64_t(10'000'000 + r);  // each request's own last block
    const auto m = c.match(mine, mine.size());
    REQUIRE(m.hbm_blocks == int64_t(repo.size()));
    REQUIRE(c.hold(mine, 0, size_t(m.hbm_blocks)) == 0);
    REQUIRE(c.hold(mine, repo.size(), mine.size()) == 1);
    c.release(mine, mine.size());
  }
  CHECK(c.evict(1000 * 16) == 1000 * 16);  // the requests' own blocks only
  CHECK(c.hbm_tokens() == int64_t(repo.size()) * 16);
  c.release(repo, repo.size());
  CHECK(c.evict(int64_t(1) << 40) == int64_t(repo.size()) * 16);
}

TEST_CASE("clear drops everything, both tiers") {
  PrefixCache c(16, 1000);
  c.hold({1, 2}, 0, 2);
  c.release({1, 2}, 2);
  c.evict(16);
  c.clear();
  CHECK(c.hbm_tokens() == 0);
  CHECK(c.tier2_tokens() == 0);
  CHECK(c.match({1, 2}, 2).hbm_blocks == 0);
  CHECK(c.match({1, 2}, 2).tier2_blocks == 0);
}
