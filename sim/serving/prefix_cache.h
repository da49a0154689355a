// PrefixCache: block-level KV reuse on one instance (as SGLang's radix cache or vLLM's
// automatic prefix caching do), with an optional second tier (host memory or SSD).
//
// A block is identified by its hash id (RequestSpec::blocks): equal ids mean the same
// prefix up to that block (the workloads guarantee it; a Mooncake trace that breaks it is
// refused), so the blocks form a tree and a request's blocks are a path from a root. A
// request reuses the longest run of its leading blocks that is cached.
//
// A request holds the prefix it uses: one lock on the last block of it, which protects the
// whole path (a block with a cached child is never evicted). Unlocked leaves are evicted
// least recently used first, so HBM always holds whole prefixes: the longest cached
// prefix is found by bisection, and holding or releasing a prefix costs the same for a
// million-token repository as for one block. Evicted blocks move to the second tier (when
// it has room; its own LRU drops the oldest) and can be loaded back from there. Pure
// bookkeeping: no SimGrid, no timing; all sizes in tokens.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

namespace stacksim {

class PrefixCache {
 public:
  // tier2_capacity: tokens the second tier holds (0 = no second tier).
  PrefixCache(int64_t block_tokens, int64_t tier2_capacity);

  struct Match {
    int64_t hbm_blocks = 0;    // leading blocks found in HBM
    int64_t tier2_blocks = 0;  // the blocks after those found in the second tier
  };
  // The longest cached prefix of `blocks` (at most `limit` blocks). O(log limit) for HBM,
  // plus the blocks found in the second tier.
  Match match(const std::vector<uint64_t>& blocks, size_t limit) const;

  // A request that holds blocks[0, held) (held = 0: none) comes to hold blocks[0, to),
  // held <= to. Those of them not in HBM are loaded back from the second tier or created
  // there. Returns the number of blocks HBM holds in addition. Costs O(log to) plus the
  // blocks added.
  int64_t hold(const std::vector<uint64_t>& blocks, size_t held, size_t to);
  // The request that holds blocks[0, held) lets them go (REQUIRES: held by hold()). O(1).
  void release(const std::vector<uint64_t>& blocks, size_t held);

  // Evicts unlocked HBM blocks, leaves first, least recently used first, until at least
  // `tokens` are freed or none is left. Returns the tokens freed.
  int64_t evict(int64_t tokens);
  // Drops everything (a failed instance loses its HBM; the second tier is host memory
  // of the same machines and is lost too).
  void clear();

  int64_t block_tokens() const { return block_tokens_; }
  int64_t hbm_tokens() const { return static_cast<int64_t>(hbm_.size()) * block_tokens_; }
  // Whether evict() can free anything (some cached block is held by no request).
  bool can_evict() const { return !lru_.empty(); }
  int64_t tier2_tokens() const { return static_cast<int64_t>(tier2_lru_.size()) * block_tokens_; }

 private:
  struct Entry {
    uint64_t parent = 0;
    bool has_parent = false;
    int64_t locks = 0;     // requests whose held prefix ends here
    int64_t children = 0;  // blocks in HBM whose parent this is
    bool in_lru = false;   // evictable: no lock, no child
    std::list<uint64_t>::iterator lru;
  };
  // The number of leading blocks[0, limit) in HBM (HBM holds whole prefixes).
  size_t hbm_prefix(const std::vector<uint64_t>& blocks, size_t limit) const;
  void lock(uint64_t id);
  void unlock(uint64_t id);
  // Puts `e` (block `id`) among the evictable blocks if nothing keeps it: at the back
  // (most recently used), or at the front when its last child was just evicted.
  void settle(uint64_t id, Entry& e, bool front);
  void unsettle(Entry& e);
  void to_tier2(uint64_t id);

  int64_t block_tokens_;
  int64_t tier2_capacity_blocks_;
  std::unordered_map<uint64_t, Entry> hbm_;
  std::list<uint64_t> lru_;  // evictable HBM blocks, least recent first
  std::unordered_map<uint64_t, std::list<uint64_t>::iterator> tier2_;
  std::list<uint64_t> tier2_lru_;  // least recent first
};

}  // namespace stacksim
