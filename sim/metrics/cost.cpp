#include "metrics/cost.h"

#include <algorithm>

#include "metrics/metrics.h"

namespace stacksim {

PoolCost pool_cost(const PoolSpec& ps, const InstanceTotals& t, double energy_joules, double span) {
  PoolCost c;
  const double n = ps.serving.instances(), pool_chips = ps.serving.chips;
  c.busy = t.busy_time / (n * span);
  // Mean power per chip: from the chips' measured energy (busy and idle power, failed
  // chips off), or from the busy fraction when none was measured.
  c.watts = energy_joules >= 0 ? energy_joules / (pool_chips * span) : ps.platform.chip.watts_at(c.busy);
  c.usd_per_chip_s = ps.platform.cost.per_chip_second(c.watts);
  c.other_per_chip_s = ps.platform.cost.other_per_chip_second(c.watts);
  c.usd = pool_chips * span * c.usd_per_chip_s;
  const double work = t.prefill_time + t.decode_time;
  c.prefill_share = ps.role == "prefill" ? 1.0 : ps.role == "decode" ? 0.0 : work > 0 ? t.prefill_time / work : 0.5;
  c.hit_share = t.prefill_time > 0 ? std::min(1.0, t.tier2_load_time / t.prefill_time) : 0;
  return c;
}

void CostTotals::add(const PoolSpec& ps, const PoolCost& c, double span) {
  const double pool_chips = ps.serving.chips;
  usd += c.usd;
  input_usd += c.usd * c.prefill_share;
  hit_usd += c.usd * c.prefill_share * c.hit_share;
  chip_energy_j += c.watts * pool_chips * span;
  energy_j += ps.platform.cost.facility_watts(c.watts) * pool_chips * span;
  chip_seconds += pool_chips * span;
  if (c.other_per_chip_s < 0) other = false;
  other_usd += std::max(0.0, c.other_per_chip_s) * pool_chips * span;
  const std::string basis = ps.platform.cost.rental ? "rental" : "ownership";
  const std::string other_basis = ps.platform.cost.rental ? "ownership" : "rental";
  pricing = pricing.empty() || pricing == basis ? basis : "mixed";
  other_pricing = other_pricing.empty() || other_pricing == other_basis ? other_basis : "mixed";
  busy_chip_seconds += c.busy * pool_chips * span;
}

RunSummary::Cost cost_summary(const CostTotals& t, double span, int64_t input_tokens, int64_t output_tokens,
                              const Platform& pricing_platform) {
  RunSummary::Cost c;
  const double avg_watts = t.chip_energy_j / (t.chip_seconds > 0 ? t.chip_seconds : 1);
  const double tokens = double(input_tokens + output_tokens);
  c.chip_hours = t.chip_seconds / 3600;
  c.usd_per_chip_hour = t.usd / (t.chip_seconds > 0 ? t.chip_seconds : 1) * 3600;
  c.usd_per_hour = t.usd / span * 3600;
  c.usd_total = t.usd;
  c.prefill_share = t.usd > 0 ? t.input_usd / t.usd : 0;
  c.usd_per_m_input = input_tokens > 0 ? t.input_usd / input_tokens * 1e6 : 0;
  c.usd_per_m_output = output_tokens > 0 ? (t.usd - t.input_usd) / output_tokens * 1e6 : 0;
  c.utilisation = t.chip_seconds > 0 ? t.busy_chip_seconds / t.chip_seconds : 0;  // paid chip time spent stepping
  c.mean_chip_watts = avg_watts;
  c.chip_energy_kwh = t.chip_energy_j / 3.6e6;
  // Facility energy: the chips, their share of each rack's overhead, x PUE.
  c.energy_kwh = t.energy_j / 3.6e6;
  c.joules_per_output_token = output_tokens > 0 ? t.energy_j / output_tokens : 0;
  c.joules_per_token = tokens > 0 ? t.energy_j / tokens : 0;
  c.chip_joules_per_token = tokens > 0 ? t.chip_energy_j / tokens : 0;
  c.energy_scope = pricing_platform.cost.has_facility ? "facility" : "chips only (no facility section)";
  c.pricing = t.pricing;
  if (t.other) {
    c.other_pricing = t.other_pricing;
    c.other_usd_per_hour = t.other_usd / span * 3600;
  }
  return c;
}

void split_input_price(double blended, double hit_rate, double hit_usd_share, double* miss, double* hit) {
  *miss = hit_rate < 1 ? blended * (1 - hit_usd_share) / (1 - hit_rate) : 0;
  *hit = hit_rate > 0 ? blended * hit_usd_share / hit_rate : 0;
}

}  // namespace stacksim
