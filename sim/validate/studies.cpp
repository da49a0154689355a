#include "validate/studies.h"

#include <algorithm>
#include <cmath>

#include "validate/calibrate.h"

namespace stacksim {

std::map<std::string, std::vector<const ValidationCase*>> cases_by_stack(const std::vector<ValidationCase>& cases) {
  std::map<std::string, std::vector<const ValidationCase*>> out;
  for (const auto& c : cases)
    out[c.platform.stack_file.empty() ? c.platform.file : c.platform.stack_file].push_back(&c);
  return out;
}

std::vector<Prediction> leave_one_out(const std::vector<ValidationCase>& cases, double lambda) {
  std::vector<Prediction> out;
  for (const auto& [stack, group] : cases_by_stack(cases)) {
    for (const ValidationCase* left : group) {
      std::vector<const ValidationCase*> rest;
      for (const ValidationCase* c : group)
        if (c != left) rest.push_back(c);
      // With no other case, nothing was fitted: the prediction is the stack's prior.
      const Stack& current = left->platform.stack;
      const Stack fitted = rest.empty() ? current.prior_or_self() : fit_stack(rest, current, lambda).stack;
      const auto sim = evaluate_with(*left, fitted);
      for (const auto& [metric, measured] : left->measured)
        out.push_back({left->id, metric, sim.at(metric), measured, int(rest.size())});
    }
  }
  return out;
}

Sensitivity sensitivity_of(const ValidationCase& c) { return sensitivity_of(c, c.platform.stack); }

Sensitivity sensitivity_of(const ValidationCase& c, const Stack& at) {
  Sensitivity s{c.id, c.measured.begin()->first, {}, {}};
  const double base = evaluate_with(c, at).at(s.metric);
  auto change = [&](const StackParam& p, double factor) {
    Stack moved = at;
    moved.*(p.field) *= factor;
    return evaluate_with(c, moved).at(s.metric) / base - 1;
  };
  for (const auto& p : calibrated_stack_params()) {
    s.up.push_back(change(p, 1.1));
    s.down.push_back(change(p, 0.9));
  }
  return s;
}

std::vector<Sensitivity> sensitivity(const std::vector<ValidationCase>& cases) {
  std::vector<Sensitivity> out;
  for (const auto& c : cases) out.push_back(sensitivity_of(c));
  return out;
}

std::vector<std::vector<std::string>> identifying_cases(const std::vector<const ValidationCase*>& group,
                                                        double threshold, const Stack* at) {
  std::vector<std::vector<std::string>> out(calibrated_stack_params().size());
  for (const ValidationCase* c : group) {
    const Sensitivity s = at ? sensitivity_of(*c, *at) : sensitivity_of(*c);
    for (size_t i = 0; i < out.size(); ++i)
      if (std::max(std::fabs(s.up[i]), std::fabs(s.down[i])) >= threshold) out[i].push_back(c->id);
  }
  return out;
}

}  // namespace stacksim
