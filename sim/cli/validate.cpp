// `stacksim validate` and `stacksim calibrate`: the published measurements as a test.
// Each parses its options, calls the library (validate/) and prints its tables.
#include <boost/program_options.hpp>
#include <cmath>
#include <ctime>
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "util/table.h"
#include "validate/calibrate.h"
#include "validate/end_to_end.h"
#include "validate/studies.h"
#include "validate/validation.h"

namespace po = boost::program_options;

namespace stacksim {

namespace {

struct Args {
  po::variables_map vm;
  std::vector<std::string> paths;
  std::vector<ValidationCase> cases;
};

// Parses [FILE|DIR]... plus `opts` and loads the cases; false when the help was printed.
bool parse(const std::string& name, const std::string& usage, const std::vector<std::string>& args,
           po::options_description& opts, Args* out) {
  opts.add_options()("help,h", "print this help");
  parse_args(args, opts, &out->vm);
  if (print_help(out->vm, name + " [FILE|DIR]... [options]", usage, opts)) return false;
  out->paths = positionals(out->vm);
  if (out->paths.empty()) out->paths = {data_dir() + "/scenarios/validation"};
  out->cases = load_cases(out->paths);
  return true;
}

std::string pct(double x) { return strprintf("%+.1f%%", 100 * x); }

std::string join_paths(const std::vector<std::string>& paths) {
  std::string s;
  for (const auto& p : paths) s += (s.empty() ? "" : ", ") + p;
  return s;
}
std::string num(double x) { return strprintf(x >= 100 ? "%.0f" : "%.2f", x); }

std::string today() {
  char b[16];
  const std::time_t t = std::time(nullptr);
  std::strftime(b, sizeof b, "%Y-%m-%d", std::gmtime(&t));
  return b;
}

// Prints simulated vs measured for each row; true when every one is within tolerance.
bool print_validation(const std::vector<ValidationRow>& rows) {
  bool ok = true;
  Table t({"case", "platform", "metric", "simulated", "measured", "error", "tolerance", "pass"});
  for (const auto& r : rows) {
    t.add({r.case_id, r.platform, r.metric, num(r.simulated), num(r.measured), pct(r.error()),
           pct(r.tolerance).substr(1), r.pass() ? "yes" : "NO"});
    ok = ok && r.pass();
  }
  std::cout << t;
  return ok;
}

// True when every left-out case is predicted within `tolerance`.
bool print_leave_one_out(const std::vector<ValidationCase>& cases, double tolerance) {
  std::cout << "\nLeave-one-out: each case predicted by its stack fitted to the other cases of that stack\n";
  bool ok = true;
  Table t({"case", "metric", "fitted to", "predicted", "measured", "error", "pass"});
  for (const Prediction& p : leave_one_out(cases)) {
    const bool pass = std::fabs(p.error()) <= tolerance;
    const std::string others =
        p.fitted_to > 0 ? std::to_string(p.fitted_to) + (p.fitted_to == 1 ? " case" : " cases") : "prior only";
    t.add({p.case_id, p.metric, others, num(p.predicted), num(p.measured), pct(p.error()), pass ? "yes" : "NO"});
    ok = ok && pass;
  }
  std::cout << t;
  return ok;
}

void print_sensitivity(const std::vector<ValidationCase>& cases) {
  std::cout << "\nSensitivity: change of each case's first metric for a parameter at +10% / -10%\n";
  std::vector<std::string> header = {"case"};
  for (const auto& p : calibrated_stack_params()) header.push_back(p.name);
  Table t(header);
  for (const Sensitivity& s : sensitivity(cases)) {
    std::vector<std::string> row = {s.case_id};
    for (size_t i = 0; i < s.up.size(); ++i) row.push_back(pct(s.up[i]) + " / " + pct(s.down[i]));
    t.add(row);
  }
  std::cout << t;
  std::cout << "\nWhich cases identify each parameter (move it by 2% or more at +-10%); a parameter no case\n"
               "moves stays at its prior: it is an assumption, not a measurement\n";
  std::vector<std::string> stacks = {"parameter"};
  std::vector<std::vector<std::vector<std::string>>> by_stack;
  for (const auto& [stack_file, group] : cases_by_stack(cases)) {
    stacks.push_back(group.front()->platform.stack.name);
    by_stack.push_back(identifying_cases(group));
  }
  Table id(stacks);
  for (size_t i = 0; i < calibrated_stack_params().size(); ++i) {
    std::vector<std::string> row = {calibrated_stack_params()[i].name};
    for (const auto& ids : by_stack)
      row.push_back(ids[i].empty() ? "at prior"
                                   : std::to_string(ids[i].size()) + (ids[i].size() == 1 ? " case" : " cases"));
    id.add(row);
  }
  std::cout << id;
}

}  // namespace

int cmd_validate(const std::vector<std::string>& args) {
  po::options_description opts("Options of `stacksim validate`");
  opts.add_options()("leave-one-out", "refit each stack without each case in turn and predict that case")(
      "sensitivity", "how much each stack parameter moves each case (+-10%)")(
      "loo-tolerance", po::value<double>()->default_value(0.15), "tolerance of a left-out case (issue 14 asks 15%)")(
      "kind", po::value<std::string>()->default_value("all"),
      "which cases: steady_state (the perf model alone), end_to_end (a DES run each) or all")(
      "jobs,j", po::value<int>()->default_value(1), "end-to-end simulations to run at once (one process each)");
  Args a;
  if (!parse("validate",
             "Evaluates each validation case (default: scenarios/validation/) and prints\n"
             "simulated vs measured: steady-state cases by the performance model, end-to-end\n"
             "cases by running their scenario in the discrete-event simulation (never fitted).\n"
             "Exits 1 when a case is outside its tolerance.\n",
             args, opts, &a))
    return 0;
  const std::string kind = a.vm["kind"].as<std::string>();
  if (kind != "all" && kind != "steady_state" && kind != "end_to_end")
    throw UsageError("--kind: expected steady_state, end_to_end or all, found \"" + kind + "\"");
  std::vector<ValidationRow> rows;
  if (kind != "end_to_end") rows = validate(a.cases);
  if (kind != "steady_state") {
    std::cout << std::flush;
    const auto e2e = validate_end_to_end(load_end_to_end_cases(a.paths), jobs_option(a.vm));
    rows.insert(rows.end(), e2e.begin(), e2e.end());
  }
  if (rows.empty()) throw UsageError("no validation case in " + join_paths(a.paths) + " (files with `case:`)");
  bool ok = print_validation(rows);
  if (a.vm.count("leave-one-out")) ok = print_leave_one_out(a.cases, a.vm["loo-tolerance"].as<double>()) && ok;
  if (a.vm.count("sensitivity")) print_sensitivity(a.cases);
  return ok ? 0 : 1;
}

namespace {

// Prints a stack's fit: its prior, current and fitted parameters.
// `ids`: identifying_cases(group).
void print_fit(const std::string& stack_file, const std::vector<const ValidationCase*>& group, const FitResult& fit,
               const std::vector<std::vector<std::string>>& ids) {
  const Stack& current = group.front()->platform.stack;
  const Stack& prior = current.prior_or_self();
  std::cout << "stack " << stack_file << " (" << prior.name << "), " << group.size() << " cases, " << fit.evaluations
            << " evaluations, RMS log error " << num(fit.rms_log_error) << "\n";
  Table t({"parameter", "prior", "current", "fitted", "identified by"});
  for (size_t i = 0; i < ids.size(); ++i) {
    const StackParam& p = calibrated_stack_params()[i];
    t.add({p.name, format_stack_param(p, prior), format_stack_param(p, current), format_stack_param(p, fit.stack),
           ids[i].empty() ? "at prior"
                          : std::to_string(ids[i].size()) + " of " + std::to_string(group.size()) + " cases"});
  }
  std::cout << t;
}

// The calibrated parameters no case identifies, from identifying_cases().
std::vector<std::string> at_prior(const std::vector<std::vector<std::string>>& ids) {
  std::vector<std::string> out;
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i].empty()) out.push_back(calibrated_stack_params()[i].name);
  return out;
}

// Writes a fit into its stack file.
void write_fit(const std::string& stack_file, const std::vector<const ValidationCase*>& group, const FitResult& fit,
               const std::vector<std::vector<std::string>>& identified, const std::vector<std::string>& args) {
  if (group.front()->platform.stack_file.empty())
    throw UsageError(stack_file + ": the stack is inline; move it to a stack file to write it");
  const Stack& stack = group.front()->platform.stack;
  if (!stack.inherits.empty())
    throw UsageError(stack_file + ": the stack inherits " + stack.inherits_file +
                     "; give it its own keys (and prior) to fit it on its cases");
  std::vector<std::string> ids;
  for (const auto* c : group) ids.push_back(c->id);
  std::string command = "stacksim calibrate --write";
  for (const auto& arg : args)
    if (arg != "--write") command += " " + arg;
  write_stack_file(stack_file, fit.stack, ids, at_prior(identified), fit.rms_log_error, today(), command);
  std::cout << "written to " << stack_file << "\n";
}

}  // namespace

// calibrate --from-bench (calibrate_bench.cpp).
int calibrate_from_bench(const po::variables_map& vm);

int cmd_calibrate(const std::vector<std::string>& args) {
  po::options_description opts("Options of `stacksim calibrate`");
  opts.add_options()("write", "write the fitted parameters into the stack files")(
      "lambda", po::value<double>()->default_value(0.02), "weight of the prior (the current values)")(
      "from-bench", po::value<std::string>(),
      "your own benchmark: a `vllm bench serve --save-result` JSON or SGLang `bench_serving --output-file` JSONL")(
      "scenario", po::value<std::string>(), "with --from-bench: the scenario of the cluster the benchmark ran on")(
      "fit", po::value<std::string>()->default_value("gemm_efficiency,memory_efficiency"),
      "with --from-bench: the stack parameters to fit (comma-separated, or none)")(
      "check", "with --from-bench: compare only, fit nothing (exit 1 when outside the tolerance)")(
      "tolerance", po::value<double>()->default_value(0.15), "with --from-bench: the relative tolerance per metric")(
      "write-case", po::value<std::string>(), "with --from-bench: write the benchmark as an end-to-end case file")(
      "write-stack", po::value<std::string>(),
      "with --from-bench: write a stack file inheriting the platform's, with the fitted values");
  Args a;
  if (!parse("calibrate",
             "Fits each software stack's efficiencies and overheads to the validation cases\n"
             "that use it (least squares on log error, Nelder-Mead, a weak prior at the\n"
             "current values) and prints them; --write stores them in the stack files with\n"
             "a comment naming the cases and the date.\n"
             "With --from-bench RESULT.json --scenario S.yaml: your own benchmark run (vLLM or\n"
             "SGLang) becomes an end-to-end case of the scenario of your cluster; its stack's\n"
             "--fit parameters are fitted to it, each evaluation a simulation (or --check).\n",
             args, opts, &a))
    return 0;
  if (a.vm.count("from-bench")) return calibrate_from_bench(a.vm);
  if (a.cases.empty()) throw UsageError("no steady-state validation case in " + join_paths(a.paths) + " to fit");
  for (const auto& [stack_file, group] : cases_by_stack(a.cases)) {
    const FitResult fit = fit_stack(group, group.front()->platform.stack, a.vm["lambda"].as<double>());
    const auto identified = identifying_cases(group, 0.02, &fit.stack);  // at the fitted values
    print_fit(stack_file, group, fit, identified);
    if (a.vm.count("write")) write_fit(stack_file, group, fit, identified, args);
    std::cout << "\n";
  }
  return 0;
}

}  // namespace stacksim
