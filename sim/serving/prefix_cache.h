// PrefixCache: block-level KV reuse on one instance (as SGLang's radix cache or vLLM's
// automatic prefix caching do), with an optional second tier (host memory or SSD).
//
// A block is identified by its hash id (RequestSpec::blocks): equal ids mean the same
// prefix up to that block, so a request can reuse the longest run of its leading blocks
// that is cached. Blocks referenced by running requests are pinned; unreferenced ones
// stay cached in HBM until space is needed, then move, least recently used first, to the
// second tier (when it has room; its own LRU drops the oldest) and from there can be
// loaded back. Pure bookkeeping: no SimGrid, no timing; all sizes in tokens.
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
  // The longest cached prefix of `blocks` (at most `limit` blocks).
  Match match(const std::vector<uint64_t>& blocks, size_t limit) const;

  // Pins blocks[from, to): each is referenced once more. Blocks in the second tier are
  // loaded back into HBM; blocks not cached are created in HBM. Returns the number of
  // blocks that were not in HBM before (whose tokens HBM now holds in addition).
  int64_t pin(const std::vector<uint64_t>& blocks, size_t from, size_t to);
  // Unpins blocks[0, n) (REQUIRES: pinned by pin()). Unreferenced blocks become evictable.
  void unpin(const std::vector<uint64_t>& blocks, size_t n);

  // Evicts unreferenced HBM blocks, least recently used first, until at least `tokens`
  // are freed or none is left. Returns the tokens freed.
  int64_t evict(int64_t tokens);
  // Drops everything (a failed instance loses its HBM; the second tier is host memory
  // of the same machines and is lost too).
  void clear();

  int64_t block_tokens() const { return block_tokens_; }
  int64_t hbm_tokens() const { return hbm_blocks_ * block_tokens_; }
  int64_t evictable_tokens() const { return static_cast<int64_t>(lru_.size()) * block_tokens_; }
  int64_t tier2_tokens() const { return static_cast<int64_t>(tier2_lru_.size()) * block_tokens_; }

 private:
  struct Entry {
    int64_t refs = 0;
    std::list<uint64_t>::iterator lru;  // valid when refs == 0
  };
  int64_t block_tokens_;
  int64_t tier2_capacity_blocks_;
  int64_t hbm_blocks_ = 0;
  std::unordered_map<uint64_t, Entry> hbm_;
  std::list<uint64_t> lru_;  // unreferenced HBM blocks, least recent first
  std::unordered_map<uint64_t, std::list<uint64_t>::iterator> tier2_;
  std::list<uint64_t> tier2_lru_;  // least recent first
};

}  // namespace stacksim
