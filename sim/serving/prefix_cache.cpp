#include "serving/prefix_cache.h"

#include <algorithm>

namespace stacksim {

PrefixCache::PrefixCache(int64_t block_tokens, int64_t tier2_capacity)
    : block_tokens_(block_tokens), tier2_capacity_blocks_(block_tokens > 0 ? tier2_capacity / block_tokens : 0) {}

namespace {

// The largest k in [from, n] such that blocks[k-1] satisfies `cached` (from when none
// does), for a predicate that holds on a prefix of the blocks.
template <class Cached>
size_t bisect(const std::vector<uint64_t>& blocks, size_t from, size_t n, Cached cached) {
  size_t lo = from, hi = n;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo + 1) / 2;
    if (cached(blocks[mid - 1]))
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

}  // namespace

size_t PrefixCache::hbm_prefix(const std::vector<uint64_t>& blocks, size_t limit) const {
  return bisect(blocks, 0, std::min(limit, blocks.size()), [&](uint64_t id) { return hbm_.count(id) > 0; });
}

PrefixCache::Match PrefixCache::match(const std::vector<uint64_t>& blocks, size_t limit) const {
  Match m;
  const size_t n = std::min(limit, blocks.size());
  const size_t in_hbm = hbm_prefix(blocks, n);
  // The second tier continues HBM's prefixes: a block leaves HBM after its children and
  // the second tier drops it after them, and only HBM blocks get children.
  const size_t cached = bisect(blocks, in_hbm, n, [&](uint64_t id) { return hbm_.count(id) || tier2_.count(id); });
  m.hbm_blocks = static_cast<int64_t>(in_hbm);
  m.tier2_blocks = static_cast<int64_t>(cached - in_hbm);
  return m;
}

int64_t PrefixCache::hold(const std::vector<uint64_t>& blocks, size_t held, size_t to) {
  to = std::min(to, blocks.size());
  if (to <= held) return 0;
  int64_t added = 0;
  for (size_t i = std::max(held, hbm_prefix(blocks, to)); i < to; ++i) {
    const uint64_t id = blocks[i];
    if (hbm_.count(id)) continue;                       // only where ids break the prefix rule
    if (auto t = tier2_.find(id); t != tier2_.end()) {  // loaded back from the second tier
      tier2_lru_.erase(t->second);
      tier2_.erase(t);
    }
    Entry e;
    if (i > 0) {
      if (auto p = hbm_.find(blocks[i - 1]); p != hbm_.end()) {
        e.parent = blocks[i - 1];
        e.has_parent = true;
        ++p->second.children;
        unsettle(p->second);
      }
    }
    hbm_.emplace(id, e);
    ++added;
  }
  lock(blocks[to - 1]);
  if (held > 0) unlock(blocks[held - 1]);
  return added;
}

void PrefixCache::release(const std::vector<uint64_t>& blocks, size_t held) {
  if (held > 0 && held <= blocks.size()) unlock(blocks[held - 1]);
}

void PrefixCache::lock(uint64_t id) {
  auto it = hbm_.find(id);
  if (it == hbm_.end()) return;
  ++it->second.locks;
  unsettle(it->second);
}

void PrefixCache::unlock(uint64_t id) {
  auto it = hbm_.find(id);
  if (it == hbm_.end() || it->second.locks == 0) return;
  --it->second.locks;
  settle(id, it->second, false);
}

void PrefixCache::settle(uint64_t id, Entry& e, bool front) {
  if (e.locks > 0 || e.children > 0 || e.in_lru) return;
  e.lru = lru_.insert(front ? lru_.begin() : lru_.end(), id);
  e.in_lru = true;
}

void PrefixCache::unsettle(Entry& e) {
  if (!e.in_lru) return;
  lru_.erase(e.lru);
  e.in_lru = false;
}

void PrefixCache::to_tier2(uint64_t id) {
  if (tier2_capacity_blocks_ <= 0) return;
  if (static_cast<int64_t>(tier2_lru_.size()) >= tier2_capacity_blocks_) {
    tier2_.erase(tier2_lru_.front());
    tier2_lru_.pop_front();
  }
  tier2_[id] = tier2_lru_.insert(tier2_lru_.end(), id);
}

int64_t PrefixCache::evict(int64_t tokens) {
  int64_t freed = 0;
  while (freed < tokens && !lru_.empty()) {
    const uint64_t id = lru_.front();
    lru_.pop_front();
    auto it = hbm_.find(id);
    const Entry e = it->second;
    hbm_.erase(it);
    freed += block_tokens_;
    // Its parent may now be a leaf: it was used at least as recently, and goes next.
    if (e.has_parent) {
      if (auto p = hbm_.find(e.parent); p != hbm_.end()) {
        --p->second.children;
        settle(e.parent, p->second, true);
      }
    }
    to_tier2(id);
  }
  return freed;
}

void PrefixCache::clear() {
  hbm_.clear();
  lru_.clear();
  tier2_.clear();
  tier2_lru_.clear();
}

}  // namespace stacksim
