// `stacksim calibrate --from-bench RESULT.json --scenario S.yaml`: the user's own
// benchmark (vLLM or SGLang) as an end-to-end case of the scenario that describes their
// cluster, checked and, unless --check, the stack's parameters fitted to it
// (validate/from_bench.h).
#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/args.h"
#include "cli/commands.h"
#include "util/io.h"
#include "util/table.h"
#include "validate/from_bench.h"

namespace po = boost::program_options;

namespace stacksim {

namespace {

// --fit's names as stack parameters (calibrated ones only: their bounds are meaningful).
std::vector<const StackParam*> fit_params(const std::string& list) {
  std::vector<const StackParam*> out;
  if (list == "none") return out;
  std::stringstream ss(list);
  for (std::string name; std::getline(ss, name, ',');) {
    const StackParam* found = nullptr;
    for (const StackParam& p : calibrated_stack_params())
      if (name == p.name) found = &p;
    if (!found) {
      std::string names;
      for (const StackParam& p : calibrated_stack_params()) names += std::string(names.empty() ? "" : ", ") + p.name;
      throw UsageError("--fit " + list + ": \"" + name + "\" is not a fitted stack parameter (" + names + ", or none)");
    }
    out.push_back(found);
  }
  return out;
}

std::string num(double x) { return strprintf(x >= 100 ? "%.1f" : x >= 1 ? "%.3f" : "%.4g", x); }
std::string pct(double x) { return strprintf("%+.1f%%", 100 * x); }

// The comparison table; true when every metric is within tolerance (after the fit, if any).
bool print_comparison(const EndToEndCase& c, const BenchFit& f) {
  const bool fitted = !f.params.empty();
  std::vector<std::string> head = {"metric", "measured", "simulated", "error"};
  if (fitted) head.insert(head.end(), {"fitted", "error"});
  head.push_back("tolerance");
  Table t(head);
  bool ok = true;
  for (const auto& [metric, measured] : c.measured) {
    const double tol = c.tolerance.at(metric), final = f.after.at(metric);
    std::vector<std::string> row = {metric, num(measured), num(f.before.at(metric)),
                                    pct(f.before.at(metric) / measured - 1)};
    if (fitted) row.insert(row.end(), {num(final), pct(final / measured - 1)});
    row.push_back(pct(tol).substr(1));
    t.add(row);
    ok = ok && std::abs(final / measured - 1) <= tol;
  }
  std::cout << t;
  return ok;
}

// A stack file that inherits the platform's and sets the fitted values.
std::string fitted_stack_yaml(const EndToEndCase& c, const BenchFit& f, const std::string& path) {
  namespace fs = std::filesystem;
  const Platform& p = c.scenario.pools.front().platform;
  const std::string parent = fs::relative(fs::absolute(p.stack_file), fs::absolute(path).parent_path()).string();
  std::ostringstream y;
  y << "# Written by `stacksim calibrate --from-bench`: " << p.stack.name << " with " << f.params.size()
    << " parameter(s) fitted\n# to " << c.source << ";\n# RMS log error "
    << strprintf("%.4f -> %.4f over %zu metrics, %d simulations.", f.rms_before, f.rms_after, c.measured.size(),
                 f.evaluations)
    << "\n# Point a platform file's `stack:` here to use it.\nname: \"" << p.stack.name << ", fitted to "
    << fs::path(c.file).filename().string() << "\"\ninherits: " << parent
    << "\ninherited_because: \"the parameters not fitted to the benchmark keep the inherited values\"\n";
  for (size_t i = 0; i < f.params.size(); ++i) {
    Stack s = p.stack;
    s.*(f.params[i]->field) = f.fitted[i];
    y << f.params[i]->name << ": " << format_stack_param(*f.params[i], s) << "\n";
  }
  return y.str();
}

}  // namespace

int calibrate_from_bench(const po::variables_map& vm) {
  if (!vm.count("scenario"))
    throw UsageError("--from-bench needs --scenario S.yaml (the cluster the benchmark ran on)");
  if (!positionals(vm).empty()) throw UsageError("--from-bench takes no case files");
  const double tolerance = vm["tolerance"].as<double>();
  if (!(tolerance > 0 && tolerance < 10)) throw UsageError("--tolerance must be a fraction between 0 and 10");
  const std::vector<const StackParam*> params =
      vm.count("check") ? std::vector<const StackParam*>{} : fit_params(vm["fit"].as<std::string>());
  const BenchResult b = read_bench_result(vm["from-bench"].as<std::string>());
  const EndToEndCase c = bench_case(b, vm["scenario"].as<std::string>(), tolerance);
  for (const char* o : {"write-case", "write-stack"})  // after the inputs are read: none of them
    if (vm.count(o)) check_writable(vm[o].as<std::string>());
  const Platform& platform = c.scenario.pools.front().platform;
  if (vm.count("write-stack") && params.empty())
    throw UsageError("--write-stack needs a fit (not --check, not --fit none)");
  if (vm.count("write-stack") && platform.stack_file.empty())
    throw UsageError(platform.file +
                     ": its stack is inline; move it to a stack file to write a fitted one that "
                     "inherits it (--write-stack)");
  std::cout << "benchmark: " << b.describe << " (" << b.file << ")\nscenario:  " << c.scenario_file << " ("
            << c.platform << ", " << c.scenario.total_chips() << " chips, stack \""
            << c.scenario.pools.front().platform.stack.name << "\")\n\n"
            << std::flush;
  const BenchFit f = fit_to_bench(c, params);
  const bool ok = print_comparison(c, f);
  if (!params.empty()) {
    Table t({"parameter", "stack", "fitted"});
    const Stack& stack = c.scenario.pools.front().platform.stack;
    for (size_t i = 0; i < params.size(); ++i) {
      Stack s = stack;
      s.*(params[i]->field) = f.fitted[i];
      t.add({params[i]->name, format_stack_param(*params[i], stack), format_stack_param(*params[i], s)});
    }
    std::cout << "\n" << t;
  }
  std::cout << strprintf("\nRMS log error %.4f", f.rms_before)
            << (params.empty() ? "" : strprintf(" -> %.4f", f.rms_after)) << ", " << f.evaluations << " simulations\n";
  if (vm.count("write-case")) {
    const std::string path = vm["write-case"].as<std::string>();
    write_file_atomic(path, bench_case_yaml(c, b, path));
    std::cout << "case written to " << path << " (stacksim validate " << path << ")\n";
  }
  if (vm.count("write-stack")) {
    const std::string path = vm["write-stack"].as<std::string>();
    write_file_atomic(path, fitted_stack_yaml(c, f, path));
    std::cout << "fitted stack written to " << path << "\n";
  }
  // Checking only: exit 1 when the simulation misses the measurement, as validate does.
  return params.empty() && !ok ? 1 : 0;
}

}  // namespace stacksim
