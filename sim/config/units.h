// Unit-carrying quantities ("22 TB/s", "288 GB", "$2.21/h") parsed once at the edge.
// Inside stacksim everything is SI: seconds, bytes, bytes/s, FLOP/s, watts, dollars,
// dollars per second, dollars per joule.
#pragma once

#include <optional>
#include <string>

namespace stacksim {

enum class Dimension {
  Number,        // plain number, "60%" allowed
  Bytes,         // B, KB, MB, GB, TB, PB (decimal) and KiB..PiB
  Bandwidth,     // B/s family and b/s family (bits: Gb/s, Tb/s)
  Flops,         // FLOPS, TFLOPS, PFLOPS, EFLOPS (also TOPS for integer ops)
  Time,          // ns, us, ms, s, min, h, d, y
  Power,         // W, kW, MW
  Money,         // $123, $8.2M, $21k
  MoneyPerTime,  // $2.21/h, $1/s
  EnergyPrice,   // $0.08/kWh, $/MWh
  PowerPrice,    // $12000/kW, $12M/MW (capex per unit of power provisioned)
  PowerRent,     // $190/kW-month, $2000/kW-year (a price per unit of power and time)
  Rate,          // 20/s, 3/min, 100/h  (events per second)
};

const char* dimension_name(Dimension d);
// The SI unit values of dimension d are kept in ("s", "B/s", "$/s"; "" for numbers).
const char* si_unit(Dimension d);

// Parses `text` as a quantity of dimension `d`, returning the SI value, or nullopt
// with `why` filled in when the text is not such a quantity.
std::optional<double> parse_quantity(const std::string& text, Dimension d, std::string* why);

// Short human formats for reports ("22.0 TB/s", "1.25 ms").
std::string format_bytes(double bytes);
std::string format_seconds(double s);

}  // namespace stacksim
