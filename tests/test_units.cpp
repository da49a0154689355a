#include <catch2/catch.hpp>

#include "config/units.h"

using namespace stacksim;

TEST_CASE("units parse to SI", "[units]") {
  std::string why;
  CHECK(*parse_quantity("22 TB/s", Dimension::Bandwidth, &why) == Approx(22e12));
  CHECK(*parse_quantity("400 Gb/s", Dimension::Bandwidth, &why) == Approx(50e9));
  CHECK(*parse_quantity("288 GB", Dimension::Bytes, &why) == Approx(288e9));
  CHECK(*parse_quantity("1 GiB", Dimension::Bytes, &why) == Approx(1073741824.0));
  CHECK(*parse_quantity("50 PFLOPS", Dimension::Flops, &why) == Approx(5e16));
  CHECK(*parse_quantity("5 ms", Dimension::Time, &why) == Approx(5e-3));
  CHECK(*parse_quantity("4 y", Dimension::Time, &why) == Approx(4 * 365.25 * 86400));
  CHECK(*parse_quantity("1.2 kW", Dimension::Power, &why) == Approx(1200));
  CHECK(*parse_quantity("$2.21/h", Dimension::MoneyPerTime, &why) == Approx(2.21 / 3600));
  CHECK(*parse_quantity("$8.2M", Dimension::Money, &why) == Approx(8.2e6));
  CHECK(*parse_quantity("$0.08/kWh", Dimension::EnergyPrice, &why) == Approx(0.08 / 3.6e6));
  CHECK(*parse_quantity("20/s", Dimension::Rate, &why) == Approx(20));
  CHECK(*parse_quantity("60%", Dimension::Number, &why) == Approx(0.6));
}

TEST_CASE("units reject malformed quantities with a reason", "[units]") {
  std::string why;
  CHECK_FALSE(parse_quantity("22 TB", Dimension::Bandwidth, &why));
  CHECK(why.find("unknown unit \"TB\"") != std::string::npos);
  CHECK_FALSE(parse_quantity("288", Dimension::Bytes, &why));
  CHECK(why.find("a unit is required") != std::string::npos);
  CHECK_FALSE(parse_quantity("fast", Dimension::Time, &why));
  CHECK_FALSE(parse_quantity("inf s", Dimension::Time, &why));
  CHECK_FALSE(parse_quantity("2.21/h", Dimension::MoneyPerTime, &why));
  CHECK_FALSE(parse_quantity("$2.21/week", Dimension::MoneyPerTime, &why));
}

#include "config/platform.h"

TEST_CASE("ownership cost: capex repaid as an annuity plus electricity, worked by hand", "[cost]") {
  Cost c;
  c.rental = false;
  c.capex_per_chip = 21000;
  c.capex_per_rack = 64000;  // shared by 64 chips: $1,000 each
  c.chips_per_rack = 64;
  c.lifetime = 4 * 365.25 * 86400;
  c.electricity_price = 0.08 / 3.6e6;  // $0.08/kWh
  c.pue = 1.3;
  // Straight line: $22,000 over 35,064 h = $0.627424/h; 600 W x 1.3 x $0.08/kWh = $0.0624/h.
  CHECK(c.per_chip_second(600) * 3600 == Approx(22000.0 / 35064 + 0.0624).epsilon(1e-9));
  // At 10% a year: 22,000 x 0.1 / (1 - 1.1^-4) = $6,940.30 a year = $0.791734/h.
  c.cost_of_capital = 0.10;
  CHECK(c.capex_per_chip_second() * 3600 == Approx(0.791734).epsilon(1e-5));
  CHECK(c.per_chip_second(600) * 3600 == Approx(0.791734 + 0.0624).epsilon(1e-5));
  // A rack overhead of 12.8 kW shared by the 64 chips adds 200 W per chip before the PUE:
  // (600 + 200) W x 1.3 x $0.08/kWh = $0.0832/h.
  c.rack_overhead_power = 12800;
  CHECK(c.facility_watts(600) == Approx(1040));
  CHECK(c.per_chip_second(600) * 3600 == Approx(0.791734 + 0.0832).epsilon(1e-5));
  // Rental ignores power.
  Cost r;
  r.rental_per_chip_second = 8.5 / 3600;
  CHECK(r.per_chip_second(2300) * 3600 == Approx(8.5));
}

#include <cmath>

#include "metrics/metrics.h"
#include "workload/arrivals.h"
#include "workload/generator.h"

TEST_CASE("Samples: exact up to the limit, within 0.5% past it, in bounded memory", "[metrics]") {
  // Below the limit: the same as percentiles() over every value.
  Samples small(100);
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) {
    small.add(i * 0.01);
    v.push_back(i * 0.01);
  }
  const Percentiles exact = percentiles(v);
  const Percentiles got = small.percentiles();
  CHECK_FALSE(small.approximate());
  CHECK(got.p50 == exact.p50);
  CHECK(got.p99 == exact.p99);
  // Past it: 200,000 lognormal latencies (median 1 s, wide spread) and some zeros.
  Samples big(1000);
  Rng rng(7);
  std::vector<double> all;
  for (int i = 0; i < 200000; ++i) {
    const double u1 = 1 - rng.uniform(), u2 = rng.uniform();
    const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
    const double x = i % 1000 == 0 ? 0.0 : std::exp(1.5 * z);
    big.add(x);
    all.push_back(x);
  }
  CHECK(big.approximate());
  CHECK(big.count() == 200000);
  const Percentiles want = percentiles(all, true);
  const Percentiles have = big.percentiles(true);
  CHECK(have.mean == Approx(want.mean).epsilon(1e-12));
  const double bound = std::sqrt(Samples::kRatio) - 1;  // 0.4988%
  for (size_t q = 1; q < 100; ++q) {
    INFO("percentile " << q);
    CHECK(std::abs(have.cdf[q] / want.cdf[q] - 1) <= bound + 1e-9);
  }
  CHECK(have.cdf[0] == 0.0);
  CHECK(std::abs(have.p99 / want.p99 - 1) <= bound + 1e-9);
}
