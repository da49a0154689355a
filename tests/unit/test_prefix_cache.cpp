// PrefixCache on its own: matching, pinning, LRU eviction into the second tier and back.
#include <catch2/catch.hpp>

#include "serving/prefix_cache.h"

using stacksim::PrefixCache;

TEST_CASE("a prompt's pinned blocks match its successors' prefixes, up to the first difference") {
  PrefixCache c(16, 0);
  const std::vector<uint64_t> p{1, 2, 3, 4};
  CHECK(c.pin(p, 0, 4) == 4);
  CHECK(c.hbm_tokens() == 64);
  CHECK(c.evictable_tokens() == 0);  // pinned
  auto m = c.match({1, 2, 9, 4}, 4);
  CHECK(m.hbm_blocks == 2);
  CHECK(m.tier2_blocks == 0);
  CHECK(c.match(p, 3).hbm_blocks == 3);  // the limit
  CHECK(c.pin(p, 0, 2) == 0);            // already there: nothing added
}

TEST_CASE("unpinned blocks are evicted least recently used first") {
  PrefixCache c(16, 0);
  const std::vector<uint64_t> a{1, 2}, b{3, 4};
  c.pin(a, 0, 2);
  c.pin(b, 0, 2);
  c.unpin(a, 2);  // a becomes evictable first
  c.unpin(b, 2);
  CHECK(c.evictable_tokens() == 64);
  CHECK(c.evict(20) == 32);  // whole blocks: 2 of a's
  CHECK(c.match(a, 2).hbm_blocks == 0);
  CHECK(c.match(b, 2).hbm_blocks == 2);
  CHECK(c.evict(1000) == 32);  // what is left
  CHECK(c.hbm_tokens() == 0);
}

TEST_CASE("evicted blocks move to the second tier, whose own LRU drops the oldest, and load back") {
  PrefixCache c(16, 32);  // the second tier holds 2 blocks
  const std::vector<uint64_t> p{1, 2, 3};
  c.pin(p, 0, 3);
  c.unpin(p, 3);
  c.evict(48);
  CHECK(c.tier2_tokens() == 32);  // block 1 was dropped for block 3
  auto m = c.match(p, 3);
  CHECK(m.hbm_blocks == 0);  // block 1 is gone, so the prefix is empty
  m = c.match({2, 3}, 2);
  CHECK(m.tier2_blocks == 2);
  CHECK(c.pin({2, 3}, 0, 2) == 2);  // loaded back into HBM
  CHECK(c.tier2_tokens() == 0);
  CHECK(c.hbm_tokens() == 32);
}

TEST_CASE("clear drops everything, both tiers") {
  PrefixCache c(16, 1000);
  c.pin({1, 2}, 0, 2);
  c.unpin({1, 2}, 2);
  c.evict(16);
  c.clear();
  CHECK(c.hbm_tokens() == 0);
  CHECK(c.tier2_tokens() == 0);
  CHECK(c.match({1, 2}, 2).hbm_blocks == 0);
}
