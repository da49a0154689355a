#include "perf/fit.h"

#include "perf/memory_plan.h"

namespace stacksim {

void check_fit(const PoolSpec& pool) {
  const MemoryPlan mem = memory_plan(pool.model, pool.platform, pool.serving);
  if (mem.tiers.size() > 1 && mem.tiers[1].left() < 0) {
    const MemoryTier& host = mem.tiers[1];
    pool.serving_at.fail("the offloaded weights do not fit: " + format_bytes(host.use("weights")) +
                         " per chip, host memory " + format_bytes(host.capacity) + "; lower offload_weights");
  }
  if (mem.kv_bytes_per_chip > 0) return;
  const MemoryTier& hbm = mem.kv_tier();
  pool.serving_at.fail("the model does not fit: weights need " + format_bytes(hbm.use("weights")) + " per chip, HBM " +
                       format_bytes(hbm.capacity) + " minus " + format_bytes(hbm.use("reserved")) +
                       " reserved leaves no KV cache; use more chips_per_instance");
}

std::vector<Scenario> load_fitting_scenarios(const std::string& path, const std::vector<Override>& overrides) {
  return load_scenarios(path, overrides, [](const PoolSpec& pool) { check_fit(pool); });
}

}  // namespace stacksim
