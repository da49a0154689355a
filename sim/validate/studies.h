// Studies over the validation cases, beyond checking each one: how well a stack fitted
// to the other cases predicts a case (leave-one-out), and how much each calibrated stack
// parameter moves each case (sensitivity). Both run the perf model only.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "validate/validation.h"

namespace stacksim {

// The cases grouped by the stack file their platform uses (inline stacks: by platform
// file), in the order given within a group.
std::map<std::string, std::vector<const ValidationCase*>> cases_by_stack(const std::vector<ValidationCase>& cases);

// One (case, metric) predicted by its stack fitted to the other cases of that stack.
struct Prediction {
  std::string case_id, metric;
  double predicted = 0, measured = 0;
  int fitted_to = 0;  // the other cases of its stack (0: predicted by the stack's prior)
  double error() const { return predicted / measured - 1; }
};
// Every case and metric, stack by stack (a stack's only case: by the stack's prior, the
// values it had before any fit).
std::vector<Prediction> leave_one_out(const std::vector<ValidationCase>& cases, double lambda = 0.02);

// The relative change of a case's first metric for each calibrated parameter
// (calibrated_stack_params(), in order) multiplied by 1.1 and by 0.9.
struct Sensitivity {
  std::string case_id, metric;
  std::vector<double> up, down;
};
std::vector<Sensitivity> sensitivity(const std::vector<ValidationCase>& cases);
Sensitivity sensitivity_of(const ValidationCase& c);
// The same, with `at` in place of the case's stack (calibration: at the fitted values).
Sensitivity sensitivity_of(const ValidationCase& c, const Stack& at);

// For each calibrated parameter (calibrated_stack_params(), in order), the ids of the cases
// of `group` that it moves by at least `threshold` at +10% or -10%. A parameter that moves
// none is not identified by the cases: calibration leaves it at its prior ("at prior").
// Evaluated at `at` when given (the fitted stack), else at each case's own stack.
std::vector<std::vector<std::string>> identifying_cases(const std::vector<const ValidationCase*>& group,
                                                        double threshold = 0.02, const Stack* at = nullptr);

}  // namespace stacksim
