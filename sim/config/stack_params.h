// The parameters of a software stack (struct Stack in config/platform.h), listed once:
// the stack-file reader, calibration, the stack-file writer and every printout take
// their names, dimensions, bounds and formats from here.
#pragma once

#include <string>
#include <vector>

#include "config/platform.h"
#include "config/units.h"

namespace stacksim {

struct StackParam {
  const char* name;  // its key in a stack file
  double Stack::*field;
  Dimension dimension;  // Number (a fraction of peak), Time or Bytes
  double min, max;      // the range a stack file may give
  bool calibrated;      // fitted by `stacksim calibrate`, and listed under `prior:`
  // The value as a stack file holds it and as reports print it ("0.586", "20.18 us",
  // "2.029 ms", "10.0 GB"); it reads back with `dimension`.
  std::string (*format)(double value);
};

// Every parameter, in stack-file order.
const std::vector<StackParam>& stack_params();
// The ones calibration fits (the efficiencies and overheads), in the same order.
const std::vector<StackParam>& calibrated_stack_params();

// `p` of `s`, formatted.
std::string format_stack_param(const StackParam& p, const Stack& s);
// Every parameter of `s`, as "gemm_efficiency 0.586, ..., hbm_reserved 10.0 GB".
std::string describe_stack(const Stack& s);

}  // namespace stacksim
