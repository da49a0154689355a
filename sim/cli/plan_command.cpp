// `stacksim plan`: per platform, the cheapest configuration that carries a workload at
// its target rate within the SLOs, by bisection on the number of instances of each
// configuration (as Vidur-Search does), every probe a simulation in its own process.
//
//   base: ../scenarios/coding-plan.yaml     # the workload at its target rate
//   slo: {ttft_p99: 10 s, tpot_p99: 150 ms}
//   candidates:
//     - name: ascend-950pr
//       set: {platform: ../platforms/ascend-950pr.yaml}
//       chips_per_instance: [32, 64]
//       max_seqs_per_chip: [32, 64]          # optional, default: the base's
//       prefill_fraction: [0.25, 0.5]        # optional: disaggregated, this share of the
//                                            # instances prefill (0 in the list: colocated)
//       max_instances: 16
#include <boost/program_options.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/isolate.h"
#include "config/yaml_reader.h"
#include "perf/fit.h"
#include "serving/simulation.h"
#include "sweep/store.h"
#include "workload/generator.h"

namespace po = boost::program_options;

namespace stacksim {

namespace {

struct Candidate {
  std::string name;
  std::vector<Override> set;
  std::vector<int64_t> chips_per_instance, max_seqs;
  std::vector<double> prefill_fraction = {0};  // 0: colocated
  int64_t max_instances = 8;
};

struct Config {
  const Candidate* candidate;
  int64_t cpi, max_seqs;  // max_seqs 0: the base's
  double prefill_fraction;  // 0: colocated
  int64_t lo = 0, hi = 0;  // bisection: lo infeasible (0 = none tried), hi feasible (0 = unknown)
  bool done = false, feasible = false;
};

struct Probe {
  double usd_per_hour = 0, ttft_p99 = 0, tpot_p99 = 0, usd_per_m_output = 0;
  int64_t chips = 0;
  bool ok = false;
};

std::vector<int64_t> int_list(MapReader& r, const std::string& key, bool required) {
  std::vector<int64_t> out;
  if (!r.has(key)) {
    if (required) r.fail(key, "missing required key");
    return out;
  }
  const YAML::Node n = r.node(key);
  if (!n.IsSequence() || n.size() == 0) fail_at(n, r.origin(), r.path_of(key), "expected a non-empty list of whole numbers");
  for (const auto& v : n) {
    char* end = nullptr;
    const long long x = std::strtoll(v.Scalar().c_str(), &end, 10);
    if (!v.IsScalar() || *end || x < 1) fail_at(v, r.origin(), r.path_of(key), "expected whole numbers >= 1");
    out.push_back(x);
  }
  return out;
}

}  // namespace

int cmd_plan(const std::vector<std::string>& args) {
  po::options_description opts("Options of `stacksim plan PLAN.yaml`");
  opts.add_options()("help,h", "print this help")("jobs,j", po::value<int>()->default_value(1),
                                                   "simulations to run at once")(
      "db", po::value<std::string>(), "cache of probes (default: PLAN.db beside the plan file)");
  po::variables_map vm;
  if (int code = parse_args(args, opts, &vm); code >= 0) return code;
  if (vm.count("help")) {
    std::cout << "Usage: stacksim plan PLAN.yaml [options]\n\n"
                 "For each candidate platform and configuration (chips per instance, sequences per\n"
                 "chip), bisects on the number of instances to find the fewest that meet the p99\n"
                 "TTFT and TPOT targets with every request served; prints the cheapest per platform\n"
                 "and the cost-latency frontier.\n\n"
              << opts << "\n";
    return 0;
  }
  if (positionals(vm).size() != 1) {
    std::cerr << "stacksim: error: plan takes one plan file\n";
    return 2;
  }
  const std::string file = positionals(vm)[0];
  const std::string db = vm.count("db") ? vm["db"].as<std::string>() : default_results_path(file);
  const int jobs = std::max(1, vm["jobs"].as<int>());

  std::string base;
  double ttft_target = 0, tpot_target = 0;
  std::vector<Candidate> candidates;
  try {
    const YAML::Node root = load_yaml_file(file);
    MapReader r(root, file, "");
    base = r.file_at("base");
    MapReader slo = r.child("slo");
    ttft_target = slo.quantity("ttft_p99", Dimension::Time, 1e-6);
    tpot_target = slo.quantity("tpot_p99", Dimension::Time, 1e-6);
    slo.finish();
    const YAML::Node list = r.node("candidates");
    if (!list.IsSequence() || list.size() == 0) fail_at(list, r.origin(), "candidates", "expected a non-empty list");
    for (size_t i = 0; i < list.size(); ++i) {
      MapReader c(list[i], file, "candidates[" + std::to_string(i) + "]");
      Candidate k;
      k.name = c.str("name");
      if (c.has("set")) {
        const YAML::Node s = c.node("set");
        if (!s.IsMap()) fail_at(s, c.origin(), c.path_of("set"), "expected a mapping of key: value");
        for (const auto& kv : s) {
          std::string v = kv.second.Scalar();
          const std::string key = kv.first.Scalar();
          if (key == "platform" || key == "model" || key == "workload") v = resolve_path(v, file);
          k.set.push_back({key, v});
        }
      }
      k.chips_per_instance = int_list(c, "chips_per_instance", true);
      k.max_seqs = int_list(c, "max_seqs_per_chip", false);
      if (c.has("prefill_fraction")) {
        const YAML::Node n = c.node("prefill_fraction");
        if (!n.IsSequence() || n.size() == 0)
          fail_at(n, c.origin(), c.path_of("prefill_fraction"), "expected a non-empty list of fractions in [0, 1)");
        k.prefill_fraction.clear();
        for (const auto& v : n) {
          char* end = nullptr;
          const double f = std::strtod(v.Scalar().c_str(), &end);
          if (*end || f < 0 || f >= 1)
            fail_at(v, c.origin(), c.path_of("prefill_fraction"), "expected fractions in [0, 1)");
          k.prefill_fraction.push_back(f);
        }
      }
      k.max_instances = c.integer("max_instances", 1, 1 << 20);
      c.finish();
      candidates.push_back(std::move(k));
    }
    r.finish();
  } catch (const ConfigError& e) {
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 2;
  }

  std::vector<Config> configs;
  for (const auto& c : candidates)
    for (int64_t cpi : c.chips_per_instance)
      for (int64_t ms : c.max_seqs.empty() ? std::vector<int64_t>{0} : c.max_seqs)
        for (double f : c.prefill_fraction) {
          Config cfg{&c, cpi, ms, f};
          if (f > 0) cfg.lo = 1;  // a prefill and a decode instance at least
          configs.push_back(cfg);
        }

  auto scenario_for = [&](const Config& c, int64_t n) {
    std::vector<Override> o = c.candidate->set;
    o.push_back({"serving.chips_per_instance", std::to_string(c.cpi)});
    if (c.prefill_fraction > 0) {
      const int64_t p = std::min(n - 1, std::max<int64_t>(1, std::llround(double(n) * c.prefill_fraction)));
      o.push_back({"serving.prefill", "{chips: " + std::to_string(c.cpi * p) + "}"});
      o.push_back({"serving.decode", "{chips: " + std::to_string(c.cpi * (n - p)) + "}"});
    } else {
      o.push_back({"serving.chips", std::to_string(c.cpi * n)});
    }
    if (c.max_seqs > 0) o.push_back({"serving.max_seqs_per_chip", std::to_string(c.max_seqs)});
    return load_fitting_scenarios(base, o).at(0);
  };

  std::map<std::pair<size_t, int64_t>, Probe> probes;  // (config, instances) -> result
  try {
    ResultStore store(db);
    // Rounds: every unfinished configuration probes one instance count; the first probe is
    // max_instances (is it feasible at all?), then bisection between lo and hi.
    while (true) {
      std::vector<std::pair<size_t, int64_t>> round;
      for (size_t i = 0; i < configs.size(); ++i) {
        Config& c = configs[i];
        if (c.done) continue;
        const int64_t n = c.hi == 0 ? c.candidate->max_instances : (c.lo + c.hi) / 2;
        round.push_back({i, n});
      }
      if (round.empty()) break;
      std::vector<Scenario> scs;
      for (const auto& [i, n] : round) scs.push_back(scenario_for(configs[i], n));
      const auto cached = store.fingerprints();
      std::vector<std::function<std::string()>> tasks;
      std::vector<size_t> task_of;
      for (size_t j = 0; j < scs.size(); ++j) {
        if (cached.count(scs[j].fingerprint)) continue;
        const Scenario* s = &scs[j];
        tasks.push_back([s] { return nlohmann::json(simulate(*s, make_generator(s->workload, s->seed))).dump(); });
        task_of.push_back(j);
      }
      run_isolated(tasks, jobs, [&](size_t t, const ChildResult& r) {
        const Scenario& s = scs[task_of[t]];
        if (!r.ok) throw std::runtime_error("probe " + s.name + " failed: " + r.error);
        nlohmann::json inputs = {{"candidate", configs[round[task_of[t]].first].candidate->name},
                                 {"chips_per_instance", configs[round[task_of[t]].first].cpi},
                                 {"instances", round[task_of[t]].second}};
        store.insert({s.fingerprint, 0, s.name, inputs.dump(), r.output});
      });
      std::map<std::string, std::string> by_fp;
      for (const auto& row : store.all()) by_fp[row.fingerprint] = row.summary;
      for (size_t j = 0; j < round.size(); ++j) {
        const auto [i, n] = round[j];
        const nlohmann::json sum = nlohmann::json::parse(by_fp.at(scs[j].fingerprint));
        Probe p;
        p.chips = sum["layout"]["chips"].get<int64_t>();
        p.usd_per_hour = sum["cost"]["usd_per_chip_hour"].get<double>() * double(p.chips);
        p.ttft_p99 = sum["latency_s"]["ttft"]["p99"].get<double>();
        p.tpot_p99 = sum["latency_s"]["tpot"]["p99"].get<double>();
        p.usd_per_m_output = sum["cost"]["usd_per_m_output"].get<double>();
        const auto& q = sum["requests"];
        p.ok = q["completed"] == q["generated"] && p.ttft_p99 <= ttft_target && p.tpot_p99 <= tpot_target;
        probes[{i, n}] = p;
        Config& c = configs[i];
        if (c.hi == 0) {  // the first probe: the largest allowed
          if (!p.ok) c.done = true;
          else c.hi = n, c.feasible = true;
        } else if (p.ok) {
          c.hi = n;
        } else {
          c.lo = n;
        }
        if (c.hi > 0 && c.hi - c.lo <= 1) c.done = true;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 1;
  }

  std::printf("SLO: p99 TTFT <= %.3g s, p99 TPOT <= %.3g s, every request served; %zu simulations\n\n", ttft_target,
              tpot_target, probes.size());
  std::printf("Cheapest configuration per platform:\n");
  std::printf("%-22s %8s %10s %9s %7s %8s %10s %11s %11s %12s\n", "platform", "chips", "instances", "chips/in", "seqs",
              "prefill", "$/hour", "p99 TTFT s", "p99 TPOT ms", "$/M output");
  for (const auto& cand : candidates) {
    const Config* best = nullptr;
    for (const auto& c : configs)
      if (c.candidate == &cand && c.feasible) {
        const Probe& p = probes.at({size_t(&c - &configs[0]), c.hi});
        if (!best || p.usd_per_hour < probes.at({size_t(best - &configs[0]), best->hi}).usd_per_hour) best = &c;
      }
    if (!best) {
      std::printf("%-22s  none meets the SLO within max_instances\n", cand.name.c_str());
      continue;
    }
    const Probe& p = probes.at({size_t(best - &configs[0]), best->hi});
    char split[16];
    std::snprintf(split, sizeof split, best->prefill_fraction > 0 ? "%.2f" : "coloc.", best->prefill_fraction);
    std::printf("%-22s %8lld %10lld %9lld %7s %8s %10.2f %11.3f %11.1f %12.3f\n", cand.name.c_str(), (long long)p.chips,
                (long long)best->hi, (long long)best->cpi, best->max_seqs ? std::to_string(best->max_seqs).c_str() : "base",
                split, p.usd_per_hour, p.ttft_p99, p.tpot_p99 * 1e3, p.usd_per_m_output);
  }
  // The cost-latency frontier over every feasible probe: no other is both cheaper and
  // faster to the first token.
  std::vector<std::pair<const Config*, std::pair<int64_t, Probe>>> feasible;
  for (const auto& [key, p] : probes)
    if (p.ok) feasible.push_back({&configs[key.first], {key.second, p}});
  std::sort(feasible.begin(), feasible.end(), [](const auto& a, const auto& b) {
    return a.second.second.usd_per_hour != b.second.second.usd_per_hour
               ? a.second.second.usd_per_hour < b.second.second.usd_per_hour
               : a.second.second.ttft_p99 < b.second.second.ttft_p99;
  });
  std::printf("\nCost-latency frontier (feasible probes no other beats on both $/hour and p99 TTFT):\n");
  std::printf("%-22s %8s %10s %9s %10s %11s %11s\n", "platform", "chips", "instances", "chips/in", "$/hour", "p99 TTFT s",
              "p99 TPOT ms");
  double best_ttft = 1e300;
  for (const auto& [c, np] : feasible) {
    const Probe& p = np.second;
    if (p.ttft_p99 >= best_ttft) continue;
    best_ttft = p.ttft_p99;
    std::printf("%-22s %8lld %10lld %9lld %10.2f %11.3f %11.1f\n", c->candidate->name.c_str(), (long long)p.chips,
                (long long)np.first, (long long)c->cpi, p.usd_per_hour, p.ttft_p99, p.tpot_p99 * 1e3);
  }
  return 0;
}

}  // namespace stacksim
