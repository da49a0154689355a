// Cost and energy: what a pool's chips cost and draw over the measurement window, and
// the run's dollars per million tokens. Every chip is paid for the whole window; a
// colocated pool's bill is split between prefill and decode by the work each step did
// (idle time follows the same split), a prefill pool's goes to input tokens and a decode
// pool's to output tokens. Pure arithmetic (tests/unit/test_cost.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "config/scenario.h"
#include "metrics/summary.h"

namespace stacksim {

struct InstanceTotals;

struct PoolCost {
  double busy = 0;               // busy fraction of the pool's instances
  double watts = 0;              // mean power per chip
  double usd_per_chip_s = 0;     // the platform's price at that power
  double other_per_chip_s = -1;  // on the other cost basis (< 0: the platform gives none)
  double usd = 0;                // the pool's bill for the window
  double prefill_share = 0;      // of the bill, the part charged to input tokens
  double hit_share = 0;          // of that part, the share paying for second-tier prefix loads
};

// `energy_joules`: the pool's chips' energy as the simulation measured it, or < 0 when it
// did not (then the power follows the busy fraction between idle and busy power).
PoolCost pool_cost(const PoolSpec& pool, const InstanceTotals& totals, double energy_joules, double span);

// The sums over pools that the run's cost figures come from.
struct CostTotals {
  double usd = 0, input_usd = 0, energy_j = 0, chip_energy_j = 0, chip_seconds = 0, busy_chip_seconds = 0;
  double other_usd = 0;                // the bill on the other basis
  double hit_usd = 0;                  // of input_usd, what loading cached prefixes back cost
  bool other = true;                   // every pool has the other basis
  std::string pricing, other_pricing;  // the bases ("ownership", "rental"; "mixed" when pools differ)
  void add(const PoolSpec& pool, const PoolCost& c, double span);
};

// The run's cost section. `pricing_platform` labels the energy scope.
RunSummary::Cost cost_summary(const CostTotals& t, double span, int64_t input_tokens, int64_t output_tokens,
                              const Platform& pricing_platform);

// API-style input prices from a blended one: `blended` $/M over every prompt token, a
// fraction `hit_rate` of them reused from the prefix cache, whose share of the input bill
// is `hit_usd_share` (the chip time spent loading them back from the second tier; a hit
// in HBM costs no step time). Cache-miss tokens pay the rest, so that
// blended = hit_rate x hit + (1 - hit_rate) x miss. No hits: miss = blended, hit = 0.
void split_input_price(double blended, double hit_rate, double hit_usd_share, double* miss, double* hit);

}  // namespace stacksim
