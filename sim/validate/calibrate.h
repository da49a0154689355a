// Calibration: fit a software stack's efficiencies and overheads to validation cases.
//
// The fit minimises, over the logarithms of the parameters,
//   mean over cases of (log(simulated / measured))^2  +  lambda * sum (log(p / p_prior))^2
// with Nelder-Mead from the prior (the stack file's current values). The weak prior term
// keeps parameters that the chosen cases cannot identify near their documented values.
// Every case of a fit must use the same stack; the fitted stack replaces each case's.
// The parameters fitted are calibrated_stack_params(), each kept within its bounds' max.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/stack_params.h"
#include "validate/validation.h"

namespace stacksim {

struct FitResult {
  Stack stack;
  double rms_log_error = 0;  // over the cases, without the prior term
  int evaluations = 0;
};

// Nelder-Mead minimisation of f from x0 with initial step `step` in every coordinate;
// at most `max_evals` evaluations (*evals: how many it took).
std::vector<double> nelder_mead(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x0,
                                double step, int max_evals, int* evals);

// Fits from, and regularises towards, current.prior (or current when it has none).
// REQUIRES: cases non-empty, all with the same stack file.
FitResult fit_stack(const std::vector<const ValidationCase*>& cases, const Stack& current, double lambda = 0.02);

// The case's simulated values with the calibrated parameters of `stack` in place of its
// platform's (the rest as the case has them).
std::map<std::string, double> evaluate_with(const ValidationCase& c, const Stack& stack);

// Rewrites the fitted keys' values in a stack file in place (comments kept) and records
// the calibration (date, cases, error, `command` to reproduce it) in a comment block above
// them. The first calibration also records the values it started from as `prior:`.
// `at_prior` names the parameters no case identifies (they stay at their priors), so the
// file says which of its values are assumptions.
void write_stack_file(const std::string& path, const Stack& stack, const std::vector<std::string>& case_ids,
                      const std::vector<std::string>& at_prior, double rms_log_error, const std::string& date,
                      const std::string& command);

}  // namespace stacksim
