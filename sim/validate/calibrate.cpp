#include "validate/calibrate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>

#include "report/report.h"
#include "util/io.h"

namespace stacksim {

std::map<std::string, double> evaluate_with(const ValidationCase& c, const Stack& stack) {
  // The fitted parameters from `stack`; the rest as the case has them (its set: may
  // override a fixed latency or the HBM reserve).
  Platform p = c.platform;
  for (const StackParam& q : calibrated_stack_params()) p.stack.*(q.field) = stack.*(q.field);
  return evaluate_pool(c.model, p, c.serving, c.pool);
}

namespace {

constexpr double kFloor = 1e-7;  // overheads of 0 s fit in log space from here

double case_loss(const ValidationCase& c, const Stack& s) {
  const auto sim = evaluate_with(c, s);
  double sum = 0;
  for (const auto& [metric, measured] : c.measured) {
    const double e = std::log(sim.at(metric) / measured);
    sum += e * e;
  }
  return sum / c.measured.size();  // each case weighs the same, whatever its metric count
}

Stack from_logs(const Stack& base, const std::vector<double>& x) {
  Stack s = base;
  const auto& ps = calibrated_stack_params();
  for (size_t i = 0; i < ps.size(); ++i) s.*(ps[i].field) = std::exp(x[i]);
  return s;
}

}  // namespace

std::vector<double> nelder_mead(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x0,
                                double step, int max_evals, int* evals) {
  const size_t n = x0.size();
  std::vector<std::vector<double>> pts(n + 1, x0);
  for (size_t i = 0; i < n; ++i) pts[i + 1][i] += step;
  std::vector<double> val(n + 1);
  for (size_t i = 0; i <= n; ++i) val[i] = f(pts[i]);
  *evals = int(n + 1);
  std::vector<size_t> order(n + 1);
  while (*evals < max_evals) {
    for (size_t i = 0; i <= n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return val[a] < val[b]; });
    const size_t best = order[0], worst = order[n], second = order[n - 1];
    if (std::fabs(val[worst] - val[best]) < 1e-12) break;
    std::vector<double> c(n, 0.0);
    for (size_t i = 0; i <= n; ++i)
      if (i != worst)
        for (size_t d = 0; d < n; ++d) c[d] += pts[i][d] / n;
    auto along = [&](double t) {
      std::vector<double> p(n);
      for (size_t d = 0; d < n; ++d) p[d] = c[d] + t * (pts[worst][d] - c[d]);
      return p;
    };
    std::vector<double> r = along(-1.0);
    const double fr = f(r);
    ++*evals;
    if (fr < val[best]) {
      std::vector<double> e = along(-2.0);
      const double fe = f(e);
      ++*evals;
      if (fe < fr)
        pts[worst] = e, val[worst] = fe;
      else
        pts[worst] = r, val[worst] = fr;
    } else if (fr < val[second]) {
      pts[worst] = r, val[worst] = fr;
    } else {
      std::vector<double> k = along(fr < val[worst] ? -0.5 : 0.5);
      const double fk = f(k);
      ++*evals;
      if (fk < std::min(fr, val[worst])) {
        pts[worst] = k, val[worst] = fk;
      } else {  // shrink towards the best point
        for (size_t i = 0; i <= n; ++i) {
          if (i == best) continue;
          for (size_t d = 0; d < n; ++d) pts[i][d] = pts[best][d] + 0.5 * (pts[i][d] - pts[best][d]);
          val[i] = f(pts[i]);
          ++*evals;
        }
      }
    }
  }
  size_t best = 0;
  for (size_t i = 1; i <= n; ++i)
    if (val[i] < val[best]) best = i;
  return pts[best];
}

namespace {}  // namespace

FitResult fit_stack(const std::vector<const ValidationCase*>& cases, const Stack& current, double lambda) {
  const Stack& prior = current.prior_or_self();
  const auto& ps = calibrated_stack_params();
  std::vector<double> x0;
  for (const auto& p : ps) x0.push_back(std::log(std::max(prior.*(p.field), kFloor)));
  auto data_loss = [&](const Stack& s) {
    double sum = 0;
    for (const ValidationCase* c : cases) sum += case_loss(*c, s);
    return sum / cases.size();
  };
  auto objective = [&](const std::vector<double>& x) {
    double penalty = 0;
    for (size_t i = 0; i < ps.size(); ++i) {
      const double d = x[i] - x0[i];
      penalty += lambda * d * d;
      const double over = x[i] - std::log(ps[i].max);  // stay within the max (efficiencies: 1)
      if (over > 0) penalty += 1e3 * over * over;
    }
    return data_loss(from_logs(prior, x)) + penalty;
  };
  FitResult r;
  // Restarts from the best point found: Nelder-Mead can stall on a collapsed simplex.
  std::vector<double> x = x0;
  for (int round = 0; round < 4; ++round) {
    int evals = 0;
    x = nelder_mead(objective, x, 0.3, 4000, &evals);
    r.evaluations += evals;
  }
  r.stack = from_logs(current, x);
  for (const auto& p : ps) r.stack.*(p.field) = std::min(p.max, r.stack.*(p.field));
  r.rms_log_error = std::sqrt(data_loss(r.stack));
  return r;
}

namespace {

const char* const kCalibrationMarker = "# -- calibrated by `stacksim calibrate`";

// The lines of the stack file at `path` without a previous calibration block.
std::vector<std::string> lines_without_calibration(const std::string& path) {
  std::string text;
  if (!read_text(path, &text)) throw ConfigError(path, 0, 0, "", "cannot open file");
  std::istringstream in(text);
  std::vector<std::string> kept;
  bool in_block = false;
  for (std::string l; std::getline(in, l);) {
    if (l.rfind(kCalibrationMarker, 0) == 0)
      in_block = true;
    else if (in_block && l.rfind("# -- end calibration", 0) == 0) {
      in_block = false;
      continue;
    }
    if (!in_block) kept.push_back(l);
  }
  return kept;
}

}  // namespace

void write_stack_file(const std::string& path, const Stack& stack, const std::vector<std::string>& case_ids,
                      const std::vector<std::string>& at_prior, double rms_log_error, const std::string& date,
                      const std::string& command) {
  std::vector<std::string> kept = lines_without_calibration(path);
  // The prior: written once, from the values before the first calibration, so that
  // later fits start from and regularise towards the same documented values.
  const bool has_prior =
      std::any_of(kept.begin(), kept.end(), [](const std::string& l) { return l.rfind("prior:", 0) == 0; });
  if (!has_prior) {
    const YAML::Node old = load_yaml_file(path);
    kept.push_back("prior:                      # the documented values before calibration; fits start from these");
    for (const auto& p : calibrated_stack_params())
      kept.push_back("  " + std::string(p.name) + ": " + old[p.name].Scalar());
  }
  // Replace each fitted key's value, keeping any trailing comment.
  size_t first_key = kept.size();
  for (const auto& p : calibrated_stack_params()) {
    const std::string key = std::string(p.name) + ":";
    bool found = false;
    for (size_t i = 0; i < kept.size(); ++i) {
      if (kept[i].rfind(key, 0) != 0) continue;
      const size_t hash = kept[i].find('#');
      std::string line = key + " " + format_stack_param(p, stack);
      if (hash != std::string::npos)
        line += std::string(std::max<size_t>(2, 28 - std::min<size_t>(28, line.size())), ' ') + kept[i].substr(hash);
      kept[i] = line;
      first_key = std::min(first_key, i);
      found = true;
    }
    if (!found) throw ConfigError(path, 0, 0, p.name, "key not found at the start of a line in the stack file");
  }
  std::ostringstream block;
  block << kCalibrationMarker << " on " << date << " --\n";
  block << "# Fitted to:";
  for (const auto& id : case_ids) block << " " << id;
  char buf[96];
  std::snprintf(buf, sizeof buf, "\n# RMS of log(simulated / measured) over those cases: %.4f (~%.1f%%)\n",
                rms_log_error, 100 * (std::exp(rms_log_error) - 1));
  block << buf;
  if (!at_prior.empty()) {
    block << "# At prior (no case moves them by 2%: assumptions, not measurements):";
    for (const auto& name : at_prior) block << " " << name;
    block << "\n";
  }
  block << "# Reproduce: " << command << "\n";
  block << "# -- end calibration\n";
  std::ostringstream out;
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i == first_key) out << block.str();
    out << kept[i] << "\n";
  }
  write_file_atomic(path, out.str());
}

}  // namespace stacksim
