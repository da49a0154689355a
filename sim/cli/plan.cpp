// `stacksim plan`: the cheapest configuration per platform under an SLO (sweep/plan.h).
#include "sweep/plan.h"

#include <algorithm>
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "config/error.h"
#include "sweep/store.h"
#include "util/table.h"

namespace po = boost::program_options;

namespace stacksim {

namespace {

Table plan_table(std::vector<std::string> headers, std::vector<size_t> widths) {
  Table t(std::move(headers));
  t.fixed_widths(std::move(widths)).separators(" ", "");
  return t;
}

void print_cheapest(const Plan& plan, const PlanResult& r) {
  Table t = plan_table({"platform", "chips", "instances", "chips/in", "seqs", "prefill", "$/hour", "p99 TTFT s",
                        "p99 TPOT ms", "$/M output"},
                       {22, 8, 10, 9, 7, 8, 10, 11, 11, 12});
  for (size_t k = 0; k < plan.candidates.size(); ++k) {
    const int best = cheapest(r, k);
    if (best < 0) {
      t.add({plan.candidates[k].name, " none meets the SLO within max_instances"});
      continue;
    }
    const PlanConfig& c = r.configs[size_t(best)];
    const PlanProbe& p = r.probes.at({size_t(best), c.hi});
    t.add({plan.candidates[k].name, std::to_string(p.chips), std::to_string(c.hi), std::to_string(c.chips_per_instance),
           c.max_seqs ? std::to_string(c.max_seqs) : "base",
           c.prefill_fraction > 0 ? strprintf("%.2f", c.prefill_fraction) : "coloc.", strprintf("%.2f", p.usd_per_hour),
           strprintf("%.3f", p.ttft_p99), strprintf("%.1f", p.tpot_p99 * 1e3), strprintf("%.3f", p.usd_per_m_output)});
  }
  std::cout << "Cheapest configuration per platform:\n" << t;
}

void print_frontier(const Plan& plan, const PlanResult& r) {
  Table t = plan_table({"platform", "chips", "instances", "chips/in", "$/hour", "p99 TTFT s", "p99 TPOT ms"},
                       {22, 8, 10, 9, 10, 11, 11});
  for (const auto& key : frontier(r)) {
    const PlanConfig& c = r.configs[key.first];
    const PlanProbe& p = r.probes.at(key);
    t.add({plan.candidates[c.candidate].name, std::to_string(p.chips), std::to_string(key.second),
           std::to_string(c.chips_per_instance), strprintf("%.2f", p.usd_per_hour), strprintf("%.3f", p.ttft_p99),
           strprintf("%.1f", p.tpot_p99 * 1e3)});
  }
  std::cout << "\nCost-latency frontier (feasible probes no other beats on both $/hour and p99 TTFT):\n" << t;
}

}  // namespace

int cmd_plan(const std::vector<std::string>& args) {
  po::options_description opts("Options of `stacksim plan PLAN.yaml`");
  opts.add_options()("help,h", "print this help")("jobs,j", po::value<int>()->default_value(1),
                                                  "simulations to run at once")(
      "db", po::value<std::string>(), "cache of probes (default: PLAN.db beside the plan file)");
  po::variables_map vm;
  parse_args(args, opts, &vm);
  if (print_help(vm, "plan PLAN.yaml [options]",
                 "For each candidate platform and configuration (chips per instance, sequences per\n"
                 "chip), bisects on the number of instances to find the fewest that meet the p99\n"
                 "TTFT and TPOT targets with every request served; prints the cheapest per platform\n"
                 "and the cost-latency frontier.\n",
                 opts))
    return 0;
  if (positionals(vm).size() != 1) throw UsageError("plan takes one plan file");
  const std::string file = positionals(vm)[0];
  const std::string db = vm.count("db") ? vm["db"].as<std::string>() : default_results_path(file);
  const int jobs = std::max(1, vm["jobs"].as<int>());
  const Plan plan = load_plan(file);
  PlanResult r;
  try {
    r = run_plan(plan, db, jobs);
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw RunFailure(e.what());
  }
  std::cout << strprintf("SLO: p99 TTFT <= %.3g s, p99 TPOT <= %.3g s, every request served; %zu simulations\n\n",
                         plan.ttft_p99, plan.tpot_p99, r.probes.size());
  print_cheapest(plan, r);
  print_frontier(plan, r);
  return 0;
}

}  // namespace stacksim
