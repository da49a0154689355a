// Cost arithmetic (metrics/cost.h), worked by hand on round numbers.
#include <catch2/catch.hpp>

#include "metrics/cost.h"
#include "metrics/metrics.h"

using namespace stacksim;

namespace {

PoolSpec pool(const std::string& role, int chips, int per_instance) {
  PoolSpec p;
  p.role = role;
  p.serving.chips = chips;
  p.serving.chips_per_instance = per_instance;
  p.platform.chip.power_idle = 100;
  p.platform.chip.power_busy = 500;
  p.platform.cost.rental = true;
  p.platform.cost.rental_per_chip_second = 2.0 / 3600;  // $2 per chip-hour
  return p;
}

}  // namespace

TEST_CASE("a colocated pool's bill splits by the work each phase did; power follows the busy fraction") {
  // 8 chips in 2 instances, a 1000 s window, each instance busy 500 s (25% prefill work).
  const PoolSpec p = pool("colocated", 8, 4);
  InstanceTotals t;
  t.busy_time = 1000;  // over both instances: half the window each
  t.prefill_time = 250;
  t.decode_time = 750;
  const PoolCost c = pool_cost(p, t, -1, 1000);  // no measured energy: power from the busy fraction
  CHECK(c.busy == Approx(0.5));
  CHECK(c.watts == Approx(300));  // 100 + (500 - 100) x 0.5
  CHECK(c.usd == Approx(8 * 1000 * 2.0 / 3600));
  CHECK(c.prefill_share == Approx(0.25));
  // The plugin's energy wins when it ran: 8 chips x 1000 s at 200 W.
  CHECK(pool_cost(p, t, 8 * 1000 * 200.0, 1000).watts == Approx(200));
}

TEST_CASE("a prefill pool's bill goes to input tokens, a decode pool's to output tokens") {
  InstanceTotals t;
  CHECK(pool_cost(pool("prefill", 4, 4), t, -1, 10).prefill_share == 1.0);
  CHECK(pool_cost(pool("decode", 4, 4), t, -1, 10).prefill_share == 0.0);
  CHECK(pool_cost(pool("colocated", 4, 4), t, -1, 10).prefill_share == 0.5);  // no work: half and half
}

TEST_CASE("dollars per million tokens: the input share over input tokens, the rest over output tokens") {
  // $8/h for an hour, 25% to prefill: $2 over 1M input tokens and $6 over 0.5M output tokens.
  PoolSpec p = pool("colocated", 4, 4);
  PoolCost c;
  c.usd = 8;
  c.prefill_share = 0.25;
  c.watts = 400;
  c.busy = 0.5;
  CostTotals bill;
  bill.add(p, c, 3600);
  const RunSummary::Cost s = cost_summary(bill, 3600, 1'000'000, 500'000, p.platform);
  CHECK(s.usd_total == Approx(8));
  CHECK(s.usd_per_hour == Approx(8));
  CHECK(s.usd_per_m_input == Approx(2));
  CHECK(s.usd_per_m_output == Approx(12));
  CHECK(s.chip_hours == Approx(4));
  CHECK(s.usd_per_chip_hour == Approx(2));
  CHECK(s.utilisation == Approx(0.5));
  CHECK(s.chip_energy_kwh == Approx(4 * 3600 * 400 / 3.6e6));  // 1.6 kWh
  CHECK(s.energy_kwh == Approx(s.chip_energy_kwh));            // no facility section: chips only
  CHECK(s.energy_scope == "chips only (no facility section)");
  CHECK(s.pricing == "rental");
  CHECK(s.joules_per_output_token == Approx(4 * 3600 * 400 / 500'000.0));
}

TEST_CASE("facility energy adds the rack overhead share and the PUE; ownership prices capex and electricity") {
  PoolSpec p = pool("colocated", 4, 4);
  p.platform.cost.has_facility = true;
  p.platform.cost.chips_per_rack = 4;
  p.platform.cost.rack_overhead_power = 400;  // 100 W per chip
  p.platform.cost.pue = 1.5;
  CHECK(p.platform.cost.facility_watts(300) == Approx(600));  // (300 + 100) x 1.5
  p.platform.cost.rental = false;
  p.platform.cost.capex_per_chip = 10000;
  p.platform.cost.lifetime = 3600 * 1000;           // $10 per chip-hour, straight-line
  p.platform.cost.electricity_price = 0.1 / 3.6e6;  // $0.1 per kWh
  // $10/h capex + 0.6 kW x $0.1/kWh = $10.06 per chip-hour.
  CHECK(p.platform.cost.per_chip_second(300) * 3600 == Approx(10.06));
}

TEST_CASE("ownership TCO reproduces the worked GB200 check of docs/research/cost-bases.md, s6") {
  // $47,222 per GPU, 1.83 kW of IT per GPU at full load, 10%, 5-year IT and 14-year
  // facility lives, $12M per MW of IT, 2% maintenance, PUE 1.15, $0.086/kWh: the
  // document's $12,457 + $2,986 + $944 + $1,588 a year = $2.05 per GPU-hour.
  Cost c;
  c.rental = false;
  c.has_ownership = c.has_facility = true;
  c.capex_per_chip = 47222;
  c.cost_of_capital = 0.10;
  const double year = 365.25 * 86400;
  c.lifetime = 5 * year;
  c.maintenance = 0.02;
  c.dc_capex_per_watt = 12;
  c.dc_lifetime = 14 * year;
  c.pue = 1.15;
  c.electricity_price = 0.086 / 3.6e6;
  c.chip_peak_watts = 1830;
  CHECK(capital_recovery(0.10, 5) == Approx(0.2638).epsilon(1e-3));
  CHECK(capital_recovery(0.10, 14) == Approx(0.1357).epsilon(1e-3));
  CHECK(capital_recovery(0, 4) == Approx(0.25));
  CHECK(c.capex_per_chip_second() * year == Approx(12457).epsilon(2e-3));
  CHECK(c.ownership_per_chip_second(1830) * 3600 == Approx(2.05).epsilon(5e-3));
  // A colocation price of $190 per kW-month instead of the data centre's capex: $2.19.
  c.dc_capex_per_watt = 0;
  c.hosting_per_watt_second = 190.0 / 1000 / (year / 12);
  CHECK(c.ownership_per_chip_second(1830) * 3600 == Approx(2.19).epsilon(5e-3));
  // The other basis: none without a rental price; the rental beside ownership with one.
  CHECK(c.other_per_chip_second(1830) < 0);
  c.has_rental = true;
  c.rental_per_chip_second = 3.3 / 3600;
  CHECK(c.other_per_chip_second(1830) * 3600 == Approx(3.3));
  c.rental = true;
  CHECK(c.per_chip_second(1830) * 3600 == Approx(3.3));
  CHECK(c.other_per_chip_second(1830) * 3600 == Approx(2.19).epsilon(5e-3));
}

TEST_CASE("input prices split into cache miss and cache hit the way APIs charge them") {
  double miss = -1, hit = -1;
  // No hits: every input token is computed.
  split_input_price(0.5, 0, 0, &miss, &hit);
  CHECK(miss == Approx(0.5));
  CHECK(hit == 0);
  // 40% of prompt tokens from an HBM cache (no step time): the computed 60% carry the bill.
  split_input_price(0.6, 0.4, 0, &miss, &hit);
  CHECK(miss == Approx(1.0));
  CHECK(hit == 0);
  // A fifth of the input bill spent loading hits back from the second tier.
  split_input_price(0.6, 0.4, 0.2, &miss, &hit);
  CHECK(miss == Approx(0.8));
  CHECK(hit == Approx(0.3));
  CHECK(0.4 * hit + 0.6 * miss == Approx(0.6));  // the blended price is their mix
  // Every token a hit.
  split_input_price(0.6, 1, 1, &miss, &hit);
  CHECK(miss == 0);
  CHECK(hit == Approx(0.6));
}
