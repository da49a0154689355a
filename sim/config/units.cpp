#include "config/units.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

namespace stacksim {
namespace {

using UnitTable = std::vector<std::pair<const char*, double>>;

const UnitTable kBytes = {
    {"B", 1},     {"KB", 1e3},     {"MB", 1e6},        {"GB", 1e9},           {"TB", 1e12},
    {"PB", 1e15}, {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}};
const UnitTable kBandwidth = {{"B/s", 1},       {"KB/s", 1e3},    {"MB/s", 1e6},     {"GB/s", 1e9},
                              {"TB/s", 1e12},   {"PB/s", 1e15},   {"b/s", 0.125},    {"Kb/s", 125.0},
                              {"Mb/s", 1.25e5}, {"Gb/s", 1.25e8}, {"Tb/s", 1.25e11}, {"GiB/s", 1073741824.0}};
const UnitTable kFlops = {{"FLOPS", 1},     {"KFLOPS", 1e3},  {"MFLOPS", 1e6}, {"GFLOPS", 1e9}, {"TFLOPS", 1e12},
                          {"PFLOPS", 1e15}, {"EFLOPS", 1e18}, {"TOPS", 1e12},  {"POPS", 1e15}};
const UnitTable kTime = {{"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1},
                         {"min", 60},  {"h", 3600},  {"d", 86400}, {"y", 365.25 * 86400}};
const UnitTable kPower = {{"W", 1}, {"kW", 1e3}, {"MW", 1e6}};
const UnitTable kPerTime = {{"s", 1}, {"min", 60}, {"h", 3600}, {"d", 86400}, {"y", 365.25 * 86400}};
const UnitTable kEnergy = {{"J", 1}, {"Wh", 3600}, {"kWh", 3.6e6}, {"MWh", 3.6e9}};
const UnitTable kPerPower = {{"W", 1}, {"kW", 1e3}, {"MW", 1e6}};
const UnitTable kPerPowerTime = {{"kW-month", 1e3 * 365.25 * 86400 / 12},
                                 {"kW-year", 1e3 * 365.25 * 86400},
                                 {"MW-month", 1e6 * 365.25 * 86400 / 12},
                                 {"MW-year", 1e6 * 365.25 * 86400}};
const UnitTable kMoneyScale = {{"", 1}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"B", 1e9}};

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

// Splits "12.5 GB" into 12.5 and "GB". Returns false if there is no leading number.
bool split_number(const std::string& s, double* value, std::string* rest) {
  const char* begin = s.c_str();
  char* end = nullptr;
  double v = std::strtod(begin, &end);
  if (end == begin) return false;
  // strtod accepts "inf", "nan" and hex: reject them, quantities are finite decimals.
  for (const char* p = begin; p < end; ++p)
    if (std::isalpha(static_cast<unsigned char>(*p)) && *p != 'e' && *p != 'E') return false;
  if (!std::isfinite(v)) return false;
  *value = v;
  *rest = trim(std::string(end));
  return true;
}

std::optional<double> lookup(const UnitTable& table, const std::string& unit) {
  for (const auto& [name, scale] : table)
    if (unit == name) return scale;
  return std::nullopt;
}

std::string unit_list(const UnitTable& table) {
  std::string s;
  for (const auto& [name, scale] : table) {
    if (!s.empty()) s += ", ";
    s += name;
  }
  return s;
}

// "$8.5M" -> 8.5e6; "$2.21" -> 2.21. The rest after the amount is returned in *rest.
bool parse_money_prefix(const std::string& s, double* value, std::string* rest) {
  if (s.empty() || s[0] != '$') return false;
  double v;
  std::string after;
  if (!split_number(trim(s.substr(1)), &v, &after)) return false;
  size_t i = 0;
  while (i < after.size() && std::isalpha(static_cast<unsigned char>(after[i]))) ++i;
  auto scale = lookup(kMoneyScale, after.substr(0, i));
  if (!scale) return false;
  *value = v * *scale;
  *rest = trim(after.substr(i));
  return true;
}

}  // namespace

const char* si_unit(Dimension d) {
  switch (d) {
    case Dimension::Number: return "";
    case Dimension::Bytes: return "B";
    case Dimension::Bandwidth: return "B/s";
    case Dimension::Flops: return "FLOPS";
    case Dimension::Time: return "s";
    case Dimension::Power: return "W";
    case Dimension::Money: return "$";
    case Dimension::MoneyPerTime: return "$/s";
    case Dimension::EnergyPrice: return "$/J";
    case Dimension::PowerPrice: return "$/W";
    case Dimension::PowerRent: return "$/(W s)";
    case Dimension::Rate: return "/s";
  }
  return "";
}

const char* dimension_name(Dimension d) {
  switch (d) {
    case Dimension::Number: return "a number";
    case Dimension::Bytes: return "a size such as \"288 GB\"";
    case Dimension::Bandwidth: return "a bandwidth such as \"22 TB/s\" or \"400 Gb/s\"";
    case Dimension::Flops: return "a compute rate such as \"50 PFLOPS\"";
    case Dimension::Time: return "a duration such as \"5 ms\"";
    case Dimension::Power: return "a power such as \"1.2 kW\"";
    case Dimension::Money: return "an amount such as \"$21000\"";
    case Dimension::MoneyPerTime: return "a price per time such as \"$2.21/h\"";
    case Dimension::EnergyPrice: return "an energy price such as \"$0.08/kWh\"";
    case Dimension::PowerPrice: return "a price per power such as \"$12000/kW\"";
    case Dimension::PowerRent: return "a price per power and time such as \"$190/kW-month\"";
    case Dimension::Rate: return "a rate such as \"20/s\"";
  }
  return "?";
}

std::optional<double> parse_quantity(const std::string& raw, Dimension d, std::string* why) {
  const std::string s = trim(raw);
  double v = 0;
  std::string unit;
  auto fail = [&](const std::string& msg) -> std::optional<double> {
    if (why) *why = msg;
    return std::nullopt;
  };
  const std::string expected = std::string("expected ") + dimension_name(d) + ", found \"" + s + "\"";

  if (d == Dimension::Money || d == Dimension::MoneyPerTime || d == Dimension::EnergyPrice ||
      d == Dimension::PowerPrice || d == Dimension::PowerRent) {
    if (!parse_money_prefix(s, &v, &unit)) return fail(expected);
    if (d == Dimension::Money) {
      if (!unit.empty()) return fail(expected);
      return v;
    }
    if (unit.empty() || unit[0] != '/') return fail(expected);
    std::string per = trim(unit.substr(1));
    const UnitTable& t = d == Dimension::MoneyPerTime  ? kPerTime
                         : d == Dimension::EnergyPrice ? kEnergy
                         : d == Dimension::PowerPrice  ? kPerPower
                                                       : kPerPowerTime;
    auto scale = lookup(t, per);
    if (!scale) return fail(expected + " (unit after '/' must be one of " + unit_list(t) + ")");
    return v / *scale;
  }

  if (!split_number(s, &v, &unit)) return fail(expected);
  switch (d) {
    case Dimension::Number:
      if (unit.empty()) return v;
      if (unit == "%") return v / 100.0;
      return fail(expected);
    case Dimension::Rate: {
      if (unit.size() < 2 || unit[0] != '/') return fail(expected);
      auto scale = lookup(kPerTime, trim(unit.substr(1)));
      if (!scale) return fail(expected);
      return v / *scale;
    }
    default: break;
  }
  const UnitTable* table = nullptr;
  switch (d) {
    case Dimension::Bytes: table = &kBytes; break;
    case Dimension::Bandwidth: table = &kBandwidth; break;
    case Dimension::Flops: table = &kFlops; break;
    case Dimension::Time: table = &kTime; break;
    case Dimension::Power: table = &kPower; break;
    default: return fail(expected);
  }
  if (unit.empty()) return fail(expected + " (a unit is required: one of " + unit_list(*table) + ")");
  auto scale = lookup(*table, unit);
  if (!scale) return fail(expected + " (unknown unit \"" + unit + "\"; one of " + unit_list(*table) + ")");
  return v * *scale;
}

std::string format_bytes(double b) {
  char buf[64];
  const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  int i = 0;
  while (std::fabs(b) >= 1000 && i < 5) {
    b /= 1000;
    ++i;
  }
  std::snprintf(buf, sizeof buf, "%.1f %s", b, units[i]);
  return buf;
}

std::string format_seconds(double s) {
  char buf[64];
  if (s < 1e-3)
    std::snprintf(buf, sizeof buf, "%.1f us", s * 1e6);
  else if (s < 1)
    std::snprintf(buf, sizeof buf, "%.2f ms", s * 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.3f s", s);
  return buf;
}

}  // namespace stacksim
