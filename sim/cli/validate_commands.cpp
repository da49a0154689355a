// `stacksim validate` and `stacksim calibrate`: the published measurements as a test.
#include <boost/program_options.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>

#include "cli/args.h"
#include "cli/commands.h"
#include "util/table.h"
#include "validate/calibrate.h"
#include "validate/validation.h"

namespace po = boost::program_options;

namespace stacksim {

namespace {

struct Args {
  po::variables_map vm;
  std::vector<std::string> paths;
  std::vector<ValidationCase> cases;
};

// Parses [FILE|DIR]... plus `opts` and loads the cases; -1 to go on, else the exit code.
int parse(const std::string& name, const std::string& usage, const std::vector<std::string>& args,
          po::options_description& opts, Args* out) {
  opts.add_options()("help,h", "print this help");
  if (int code = parse_args(args, opts, &out->vm); code >= 0) return code;
  if (out->vm.count("help")) {
    std::cout << "Usage: stacksim " << name << " [FILE|DIR]... [options]\n\n" << usage << "\n" << opts << "\n";
    return 0;
  }
  out->paths = positionals(out->vm);
  if (out->paths.empty()) out->paths = {data_dir() + "/scenarios/validation"};
  try {
    out->cases = load_cases(out->paths);
  } catch (const ConfigError& e) {
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 2;
  }
  return -1;
}

// Cases grouped by the stack file their platform uses (inline stacks: by platform file).
std::map<std::string, std::vector<const ValidationCase*>> by_stack(const std::vector<ValidationCase>& cases) {
  std::map<std::string, std::vector<const ValidationCase*>> out;
  for (const auto& c : cases) out[c.platform.stack_file.empty() ? c.platform.file : c.platform.stack_file].push_back(&c);
  return out;
}

std::string pct(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%+.1f%%", 100 * x);
  return b;
}

std::string num(double x) {
  char b[32];
  std::snprintf(b, sizeof b, x >= 100 ? "%.0f" : "%.2f", x);
  return b;
}

void print_rows(const std::vector<std::vector<std::string>>& rows) {
  Table t(rows[0]);
  for (size_t k = 1; k < rows.size(); ++k) t.add(rows[k]);
  std::cout << t;
}

std::string today() {
  char b[16];
  const std::time_t t = std::time(nullptr);
  std::strftime(b, sizeof b, "%Y-%m-%d", std::gmtime(&t));
  return b;
}

}  // namespace

int cmd_validate(const std::vector<std::string>& args) {
  po::options_description opts("Options of `stacksim validate`");
  opts.add_options()("leave-one-out", "refit each stack without each case in turn and predict that case")(
      "sensitivity", "how much each stack parameter moves each case (+-10%)")(
      "loo-tolerance", po::value<double>()->default_value(0.25), "tolerance of a left-out case");
  Args a;
  const int code = parse("validate",
                         "Evaluates each validation case (default: scenarios/validation/) and prints\n"
                         "simulated vs measured. Exits 1 when a case is outside its tolerance.\n",
                         args, opts, &a);
  if (code >= 0) return code;
  const std::vector<ValidationCase>& cases = a.cases;
  bool ok = true;
  std::vector<std::vector<std::string>> rows = {
      {"case", "platform", "metric", "simulated", "measured", "error", "tolerance", "pass"}};
  for (const auto& r : validate(cases)) {
    rows.push_back({r.case_id, r.platform, r.metric, num(r.simulated), num(r.measured), pct(r.error()),
                    pct(r.tolerance).substr(1), r.pass() ? "yes" : "NO"});
    ok = ok && r.pass();
  }
  print_rows(rows);

  if (a.vm.count("leave-one-out")) {
    const double tol = a.vm["loo-tolerance"].as<double>();
    std::cout << "\nLeave-one-out: each case predicted by its stack fitted to the other cases of that stack\n";
    std::vector<std::vector<std::string>> lrows = {{"case", "metric", "predicted", "measured", "error", "pass"}};
    for (const auto& [stack, group] : by_stack(cases)) {
      for (const ValidationCase* left : group) {
        std::vector<const ValidationCase*> rest;
        for (const ValidationCase* c : group)
          if (c != left) rest.push_back(c);
        const Stack fitted = rest.empty() ? left->platform.stack : fit_stack(rest, left->platform.stack).stack;
        const auto sim = evaluate_with(*left, fitted);
        for (const auto& [metric, measured] : left->measured) {
          const double err = sim.at(metric) / measured - 1;
          lrows.push_back({left->id, metric, num(sim.at(metric)), num(measured), pct(err),
                           std::fabs(err) <= tol ? "yes" : "NO"});
          ok = ok && std::fabs(err) <= tol;
        }
      }
    }
    print_rows(lrows);
  }

  if (a.vm.count("sensitivity")) {
    std::cout << "\nSensitivity: change of each case's first metric for a parameter at +10% / -10%\n";
    std::vector<std::vector<std::string>> srows = {{"case"}};
    for (const auto& p : calibrated_stack_params()) srows[0].push_back(p.name);
    for (const auto& c : cases) {
      const std::string metric = c.measured.begin()->first;
      const double base = evaluate_with(c, c.platform.stack).at(metric);
      std::vector<std::string> row = {c.id};
      for (const auto& p : calibrated_stack_params()) {
        std::string cell;
        for (double f : {1.1, 0.9}) {
          Stack s = c.platform.stack;
          s.*(p.field) *= f;
          cell += (cell.empty() ? "" : " / ") + pct(evaluate_with(c, s).at(metric) / base - 1);
        }
        row.push_back(cell);
      }
      srows.push_back(row);
    }
    print_rows(srows);
  }
  return ok ? 0 : 1;
}

int cmd_calibrate(const std::vector<std::string>& args) {
  po::options_description opts("Options of `stacksim calibrate`");
  opts.add_options()("write", "write the fitted parameters into the stack files")(
      "lambda", po::value<double>()->default_value(0.02), "weight of the prior (the current values)");
  Args a;
  const int code = parse("calibrate",
                         "Fits each software stack's efficiencies and overheads to the validation cases\n"
                         "that use it (least squares on log error, Nelder-Mead, a weak prior at the\n"
                         "current values) and prints them; --write stores them in the stack files with\n"
                         "a comment naming the cases and the date.\n",
                         args, opts, &a);
  if (code >= 0) return code;
  const std::vector<ValidationCase>& cases = a.cases;
  for (const auto& [stack_file, group] : by_stack(cases)) {
    const Stack& current = group.front()->platform.stack;
    const Stack prior = current.prior ? *current.prior : current;
    const FitResult fit = fit_stack(group, current, a.vm["lambda"].as<double>());
    std::cout << "stack " << stack_file << " (" << prior.name << "), " << group.size() << " cases, "
              << fit.evaluations << " evaluations, RMS log error " << num(fit.rms_log_error) << "\n";
    std::vector<std::vector<std::string>> rows = {{"parameter", "prior", "current", "fitted"}};
    for (const auto& p : calibrated_stack_params())
      rows.push_back({p.name, format_stack_param(p, prior), format_stack_param(p, current), format_stack_param(p, fit.stack)});
    print_rows(rows);
    if (a.vm.count("write")) {
      if (group.front()->platform.stack_file.empty()) {
        std::cerr << "stacksim: error: " << stack_file << ": the stack is inline; move it to a stack file to write it\n";
        return 2;
      }
      std::vector<std::string> ids;
      for (const auto* c : group) ids.push_back(c->id);
      try {
        std::string command = "stacksim calibrate --write";
        for (const auto& arg : args)
          if (arg != "--write") command += " " + arg;
        write_stack_file(stack_file, fit.stack, ids, fit.rms_log_error, today(), command);
      } catch (const std::exception& e) {
        std::cerr << "stacksim: error: " << e.what() << "\n";
        return 2;
      }
      std::cout << "written to " << stack_file << "\n";
    }
    std::cout << "\n";
  }
  return 0;
}

}  // namespace stacksim
