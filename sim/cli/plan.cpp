// `stacksim plan`: each candidate platform's cheapest deployment for a load under an SLO
// (sweep/search.h: the analytic screen; sweep/plan.h: the DES confirmation).
#include "sweep/plan.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "config/error.h"
#include "sweep/store.h"
#include "util/io.h"
#include "util/table.h"

namespace po = boost::program_options;

namespace stacksim {

namespace {

std::string upper(std::string s) {
  for (char& ch : s) ch = char(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

std::string slo_text(const Plan& plan) {
  std::string s;
  for (const SloTarget& t : plan.slo)
    s += (s.empty() ? "" : ", ") + upper(t.metric) + " p" + std::to_string(t.percentile) +
         " <= " + (t.metric == "ttft" ? strprintf("%.3g s", t.value) : strprintf("%.3g ms", t.value * 1e3));
  return s;
}

std::string layout_text(const Deployment& d) {
  if (!d.disaggregated) return "colocated " + describe(d.first.layout);
  return "prefill " + describe(d.first.layout) + " | decode " + describe(d.decode.layout);
}

std::string counts_text(const PlanProbe& p, const Deployment& d) {
  if (!d.disaggregated) return std::to_string(p.first);
  return std::to_string(p.first) + "+" + std::to_string(p.decode);
}

void print_screen(const Plan& plan, const PlanResult& r) {
  Table t({"platform", "layouts sized", "deployments compared", "meet the SLO", "cheapest screened $/h"});
  t.separators(" ", "");
  for (size_t c = 0; c < plan.candidates.size(); ++c) {
    const auto& pc = r.screen.candidates[c];
    t.add({plan.candidates[c].name, std::to_string(pc.layouts), std::to_string(pc.deployments),
           std::to_string(pc.feasible), pc.best.empty() ? "-" : strprintf("%.2f", pc.best[0].usd_per_hour)});
  }
  std::cout << strprintf("Screen (analytic, %.2f s):\n", r.screen_seconds) << t;
  for (size_t c = 0; c < plan.candidates.size(); ++c) {
    const auto& pc = r.screen.candidates[c];
    if (pc.excluded.empty()) continue;
    std::string why;
    for (const auto& [reason, n] : pc.excluded) why += (why.empty() ? "" : ", ") + reason + " " + std::to_string(n);
    std::cout << "  " << plan.candidates[c].name << ", layouts that cannot: " << why << "\n";
  }
}

// Why candidate `c` has no winner: the screen found none, the loader refused them, or
// none met the SLO in simulation.
std::string why_none(const PlanResult& r, size_t c) {
  const auto& fs = r.finalists[c];
  if (fs.empty()) return "the screen found no layout within the SLO and max_instances";
  for (const Finalist& f : fs)
    if (!f.error.empty()) return "a finalist was refused: " + f.error;
  return "no finalist met the SLO in simulation, up to max_instances";
}

// A row of the winners' table: the probe's figures as the steady-state window measured them.
std::vector<std::string> probe_row(const Plan& plan, const std::string& name, const std::string& instances,
                                   const PlanProbe& p, const std::string& screen_chips, const std::string& screen_usd) {
  const double in = p.summary.steady_state.usd_per_m_input, out = p.summary.steady_state.usd_per_m_output;
  const RunSummary::Cost& c = p.summary.cost;
  const RunSummary::SteadyState& w = p.summary.steady_state;
  std::vector<std::string> row = {
      name,
      instances,
      std::to_string(p.summary.layout.chips),
      w.length_s > 0 ? strprintf("%.3g", double(w.requests) / w.length_s) : "-",
      strprintf("%.2f", p.usd_per_hour()) + " " + c.pricing,
      c.other_pricing.empty() ? "-" : strprintf("%.2f", c.other_usd_per_hour) + " " + c.other_pricing};
  for (const SloTarget& target : plan.slo) {
    const double v = window_latency(p.summary, target.metric).at(target.percentile);
    row.push_back(target.metric == "ttft" ? strprintf("%.2f", v) : strprintf("%.1f", v * 1e3));
  }
  for (const std::string& x : {std::string(p.ok ? "yes" : "no"), strprintf("%.3f", in), strprintf("%.3f", out),
                               strprintf("%.0f", p.summary.steady_state.length_s), screen_chips, screen_usd})
    row.push_back(x);
  return row;
}

// The screen's throughput-interactivity frontier per platform, at most 8 points of it.
void print_frontier(const Plan& plan, const PlanResult& r) {
  Table t({"platform", "tok/s per user", "tok/s per chip", "chips", "$/M output (whole bill)", "deployment"});
  t.separators(" ", "");
  for (size_t c = 0; c < plan.candidates.size(); ++c) {
    const auto& pc = r.screen.candidates[c];
    const auto& f = pc.frontier;
    const double out_rate = pc.load.rate * pc.load.output_mean;
    if (out_rate <= 0) continue;
    const size_t n = std::min<size_t>(8, f.size());
    for (size_t k = 0; k < n; ++k) {
      const FrontierPoint& p = f[n == 1 ? 0 : k * (f.size() - 1) / (n - 1)];
      t.add({plan.candidates[c].name, strprintf("%.1f", p.tokens_per_s_per_user),
             strprintf("%.1f", p.tokens_per_s_per_chip), std::to_string(p.chips),
             strprintf("%.3f", p.usd_per_hour / 3600 / out_rate * 1e6), p.deployment});
    }
  }
  std::cout << "\nThroughput-interactivity frontier (screen; TTFT targets kept, TPOT targets left out; "
               "--output has every point):\n"
            << t;
}

// SGLang's launch arguments per role of a finalist's deployment.
nlohmann::json sglang_json(const Finalist& f) {
  const PlanProbe& p = f.probes[size_t(f.best)];
  const bool npu = p.summary.platform.find("ascend") != std::string::npos;
  nlohmann::json j = nlohmann::json::object();
  for (const char* role : {"colocated", "prefill", "decode"})
    if ((std::string(role) == "colocated") != f.deployment.disaggregated)
      j[role] = sglang_args(f.deployment, role, p.summary.model, npu);
  return j;
}

void print_best(const Plan& plan, const PlanResult& r) {
  // A column for each SLO target.
  std::vector<std::string> head = {"platform", "instances", "chips", "req/s", "$/hour", "other basis $/h"};
  for (const SloTarget& t : plan.slo)
    head.push_back(upper(t.metric) + " p" + std::to_string(t.percentile) + (t.metric == "ttft" ? " s" : " ms"));
  for (const char* h : {"SLO", "$/M in", "$/M out", "window s", "screen chips", "screen $/h"}) head.push_back(h);
  Table t(head);
  t.separators(" ", "");
  for (size_t c = 0; c < plan.candidates.size(); ++c) {
    const int b = best_finalist(r, c);
    if (b < 0) {
      t.add({plan.candidates[c].name, why_none(r, c)});
      continue;
    }
    const Finalist& f = r.finalists[c][size_t(b)];
    t.add(probe_row(plan, plan.candidates[c].name, counts_text(f.probes[size_t(f.best)], f.deployment),
                    f.probes[size_t(f.best)], std::to_string(f.deployment.chips()),
                    strprintf("%.2f", f.deployment.usd_per_hour)));
  }
  for (size_t i = 0; i < r.references.size(); ++i) {
    const PlanProbe& p = r.references[i];
    t.add(probe_row(plan, plan.references[i].name + " (reference)", std::to_string(p.summary.layout.instances), p, "-",
                    "-"));
  }
  std::cout << strprintf(plan.max_load ? "\nHighest load each platform's cluster serves within the SLO, confirmed by "
                                         "simulation (%.1f s, %lld simulations):\n"
                                       : "\nCheapest deployment per platform, confirmed by simulation (%.1f s, %lld "
                                         "simulations):\n",
                         r.confirm_seconds, static_cast<long long>(r.simulations))
            << t;
  for (size_t c = 0; c < plan.candidates.size(); ++c) {
    const int b = best_finalist(r, c);
    if (b < 0) continue;
    const Finalist& f = r.finalists[c][size_t(b)];
    std::cout << "\n" << plan.candidates[c].name << ": " << layout_text(f.deployment) << "\n";
    const nlohmann::json args = sglang_json(f);
    for (const char* role : {"colocated", "prefill", "decode"})
      if (args.contains(role)) std::cout << "  SGLang (" << role << "): " << args[role].get<std::string>() << "\n";
  }
}

nlohmann::json result_json(const Plan& plan, const PlanResult& r) {
  nlohmann::json j = {{"plan", plan.file}, {"slo", slo_text(plan)}, {"simulations", r.simulations}};
  for (size_t c = 0; c < plan.candidates.size(); ++c) {
    const auto& pc = r.screen.candidates[c];
    nlohmann::json cj = {{"name", plan.candidates[c].name},        {"layouts_sized", pc.layouts},
                         {"deployments_compared", pc.deployments}, {"deployments_meeting_slo", pc.feasible},
                         {"layouts_excluded", pc.excluded},        {"screen_load_scale", pc.load_scale}};
    for (const Finalist& f : r.finalists[c]) {
      nlohmann::json fj = {{"layout", layout_text(f.deployment)},
                           {"screen",
                            {{"chips", f.deployment.chips()},
                             {"usd_per_hour", f.deployment.usd_per_hour},
                             {"ttft_p99_s", f.deployment.ttft_p(99)},
                             {"tpot_p50_s", f.deployment.tpot_p(50)}}}};
      if (!f.error.empty()) fj["refused"] = f.error;
      for (const PlanProbe& p : f.probes)
        fj["probes"].push_back({{"first", p.first},
                                {"decode", p.decode},
                                {"load_scale", p.load_scale},
                                {"meets_slo", p.ok},
                                {"summary", p.summary}});
      fj["best_probe"] = f.best;
      if (f.best >= 0) fj["sglang"] = sglang_json(f);
      cj["finalists"].push_back(fj);
    }
    cj["best_finalist"] = best_finalist(r, c);
    for (const FrontierPoint& p : pc.frontier)
      cj["frontier"].push_back({{"tokens_per_s_per_user", p.tokens_per_s_per_user},
                                {"tokens_per_s_per_chip", p.tokens_per_s_per_chip},
                                {"usd_per_hour", p.usd_per_hour},
                                {"chips", p.chips},
                                {"deployment", p.deployment}});
    j["candidates"].push_back(cj);
  }
  for (size_t i = 0; i < r.references.size(); ++i)
    j["references"].push_back(
        {{"name", plan.references[i].name}, {"meets_slo", r.references[i].ok}, {"summary", r.references[i].summary}});
  return j;
}

void write_scenarios(const Plan& plan, const PlanResult& r, const std::string& dir) {
  std::filesystem::create_directories(dir);
  for (size_t c = 0; c < plan.candidates.size(); ++c) {
    const int b = best_finalist(r, c);
    if (b < 0) continue;
    const std::string file = dir + "/" + plan.candidates[c].name + ".yaml";
    check_writable(file);  // no input of the plan, no device
    write_file_atomic(file, winner_scenario(plan, r, c, size_t(b), file));
    std::cout << "wrote " << file << "\n";
  }
}

}  // namespace

int cmd_plan(const std::vector<std::string>& args) {
  po::options_description opts("Options of `stacksim plan PLAN.yaml`");
  opts.add_options()("help,h", "print this help")("jobs,j", po::value<int>()->default_value(1),
                                                  "simulations to run at once")(
      "db", po::value<std::string>(), "cache of probes (default: PLAN.db beside the plan file)")(
      "output,o", po::value<std::string>(), "write the screen, every probe and the winners as JSON")(
      "write-scenarios", po::value<std::string>(), "write each platform's winning deployment as DIR/NAME.yaml");
  po::variables_map vm;
  parse_args(args, opts, &vm);
  if (print_help(vm, "plan PLAN.yaml [options]",
                 "For each candidate platform, screens every serving layout of the plan's space\n"
                 "analytically (sized at its fewest instances within the SLO, priced), then confirms\n"
                 "the cheapest few by simulation, bisecting on their instance counts; prints each\n"
                 "platform's cheapest deployment, its $/M tokens at that load and SGLang's arguments.\n",
                 opts))
    return 0;
  if (positionals(vm).size() != 1) throw UsageError("plan takes one plan file");
  const std::string file = positionals(vm)[0];
  const std::string db = vm.count("db") ? vm["db"].as<std::string>() : default_results_path(file);
  const int jobs = jobs_option(vm);
  const Plan plan = load_plan(file);
  check_database(db);
  // An unusable database is bad input (exit 2), as for sweep; nothing is created yet.
  try {
    if (::access(db.c_str(), F_OK) == 0)
      ResultStore(db, ResultStore::Mode::ReadOnly);
    else
      check_writable(db);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  if (vm.count("output")) check_writable(vm["output"].as<std::string>());
  PlanResult r;
  try {
    r = run_plan(plan, db, jobs);
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw RunFailure(e.what());
  }
  const auto& l0 = r.screen.candidates.at(0).load;
  // The plan's load (max_load: before each candidate's scale).
  const double rate =
      r.screen.candidates.at(0).load_scale > 0 ? l0.rate / r.screen.candidates.at(0).load_scale : l0.rate;
  std::cout << strprintf("%s: %.3g requests/s, mean prompt %.0f, mean output %.0f tokens. SLO: %s.\n\n",
                         plan.max_load ? "Base load (scaled per platform)" : "Load", rate, l0.prompt_mean,
                         l0.output_mean, slo_text(plan).c_str());
  print_screen(plan, r);
  print_best(plan, r);
  print_frontier(plan, r);
  if (vm.count("output")) write_file_atomic(vm["output"].as<std::string>(), result_json(plan, r).dump(1) + "\n");
  if (vm.count("write-scenarios")) write_scenarios(plan, r, vm["write-scenarios"].as<std::string>());
  return 0;
}

}  // namespace stacksim
