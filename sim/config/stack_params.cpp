#include "config/stack_params.h"

#include <cstdio>
#include <limits>

namespace stacksim {

namespace {

constexpr double kNoMax = std::numeric_limits<double>::max();

std::string format_fraction(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", v);
  return b;
}

// Microseconds below 1 ms, with the two decimals the stack files hold ("20.18 us").
std::string format_overhead(double v) {
  char b[32];
  if (v < 1e-3)
    std::snprintf(b, sizeof b, "%.2f us", v * 1e6);
  else
    std::snprintf(b, sizeof b, "%.3f ms", v * 1e3);
  return b;
}

}  // namespace

const std::vector<StackParam>& stack_params() {
  static const std::vector<StackParam> params = {
      {"gemm_efficiency", &Stack::gemm_efficiency, Dimension::Number, 1e-3, 1, true, format_fraction},
      {"attention_efficiency", &Stack::attention_efficiency, Dimension::Number, 1e-3, 1, true, format_fraction},
      {"memory_efficiency", &Stack::memory_efficiency, Dimension::Number, 1e-3, 1, true, format_fraction},
      {"scale_up_efficiency", &Stack::scale_up_efficiency, Dimension::Number, 1e-3, 1, true, format_fraction},
      {"scale_out_efficiency", &Stack::scale_out_efficiency, Dimension::Number, 1e-3, 1, true, format_fraction},
      {"layer_overhead", &Stack::layer_overhead, Dimension::Time, 0, kNoMax, true, format_overhead},
      {"step_overhead", &Stack::step_overhead, Dimension::Time, 0, kNoMax, true, format_overhead},
      {"kernel_floor", &Stack::kernel_floor, Dimension::Time, 0, 1e-3, true, format_overhead},
      {"launch_latency", &Stack::launch_latency, Dimension::Time, 0, 1e-3, false, format_overhead},
      {"hbm_reserved", &Stack::hbm_reserved, Dimension::Bytes, 0, kNoMax, false, format_bytes},
      {"dispatch_latency", &Stack::dispatch_latency, Dimension::Time, 0, 1e-2, false, format_overhead},
      {"combine_latency", &Stack::combine_latency, Dimension::Time, 0, 1e-2, false, format_overhead},
      {"all_reduce_latency", &Stack::all_reduce_latency, Dimension::Time, 0, 1e-2, false, format_overhead},
  };
  return params;
}

const std::vector<StackParam>& calibrated_stack_params() {
  static const std::vector<StackParam> params = [] {
    std::vector<StackParam> out;
    for (const auto& p : stack_params())
      if (p.calibrated) out.push_back(p);
    return out;
  }();
  return params;
}

std::string format_stack_param(const StackParam& p, const Stack& s) { return p.format(s.*(p.field)); }

std::string describe_stack(const Stack& s) {
  std::string out;
  for (const auto& p : stack_params())
    out += (out.empty() ? "" : ", ") + std::string(p.name) + " " + format_stack_param(p, s);
  return out;
}

}  // namespace stacksim
