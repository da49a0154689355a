#include "serving/prefix_cache.h"

#include <algorithm>

namespace stacksim {

PrefixCache::PrefixCache(int64_t block_tokens, int64_t tier2_capacity)
    : block_tokens_(block_tokens), tier2_capacity_blocks_(block_tokens > 0 ? tier2_capacity / block_tokens : 0) {}

PrefixCache::Match PrefixCache::match(const std::vector<uint64_t>& blocks, size_t limit) const {
  Match m;
  const size_t n = std::min(limit, blocks.size());
  size_t i = 0;
  while (i < n && hbm_.count(blocks[i])) ++i;
  m.hbm_blocks = static_cast<int64_t>(i);
  while (i < n && tier2_.count(blocks[i])) ++i;
  m.tier2_blocks = static_cast<int64_t>(i) - m.hbm_blocks;
  return m;
}

int64_t PrefixCache::pin(const std::vector<uint64_t>& blocks, size_t from, size_t to) {
  int64_t added = 0;
  for (size_t i = from; i < to && i < blocks.size(); ++i) {
    const uint64_t id = blocks[i];
    auto it = hbm_.find(id);
    if (it == hbm_.end()) {
      auto t = tier2_.find(id);
      if (t != tier2_.end()) {  // loaded back from the second tier
        tier2_lru_.erase(t->second);
        tier2_.erase(t);
      }
      it = hbm_.emplace(id, Entry{}).first;
      ++hbm_blocks_;
      ++added;
    } else if (it->second.refs == 0) {
      lru_.erase(it->second.lru);
    }
    ++it->second.refs;
  }
  return added;
}

void PrefixCache::unpin(const std::vector<uint64_t>& blocks, size_t n) {
  for (size_t i = 0; i < n && i < blocks.size(); ++i) {
    auto it = hbm_.find(blocks[i]);
    if (it == hbm_.end() || it->second.refs == 0) continue;  // pinned twice by one request: once is enough
    if (--it->second.refs == 0) it->second.lru = lru_.insert(lru_.end(), blocks[i]);
  }
}

int64_t PrefixCache::evict(int64_t tokens) {
  int64_t freed = 0;
  while (freed < tokens && !lru_.empty()) {
    const uint64_t id = lru_.front();
    lru_.pop_front();
    hbm_.erase(id);
    --hbm_blocks_;
    freed += block_tokens_;
    if (tier2_capacity_blocks_ > 0) {
      if (static_cast<int64_t>(tier2_lru_.size()) >= tier2_capacity_blocks_) {
        tier2_.erase(tier2_lru_.front());
        tier2_lru_.pop_front();
      }
      tier2_[id] = tier2_lru_.insert(tier2_lru_.end(), id);
    }
  }
  return freed;
}

void PrefixCache::clear() {
  hbm_.clear();
  lru_.clear();
  tier2_.clear();
  tier2_lru_.clear();
  hbm_blocks_ = 0;
}

}  // namespace stacksim
