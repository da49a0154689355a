#include "cli/commands.h"

#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <set>

#include "cli/args.h"
#include "cli/isolate.h"
#include "config/scenario.h"
#include "perf/perf_model.h"
#include "report/report.h"
#include "serving/simulation.h"
#include "workload/generator.h"

namespace po = boost::program_options;

namespace stacksim {

namespace {

const char* kVersion = "0.1.0";

const char* kMainHelp =
    "stacksim - discrete-event simulator of LLM inference clusters (SimGrid)\n"
    "\n"
    "Usage:\n"
    "  stacksim run [SCENARIO.yaml] [--set key=value]... [--output FILE] [--jobs N]\n"
    "  stacksim info [SCENARIO.yaml] [--set key=value]...\n"
    "  stacksim validate [FILE|DIR]... [--leave-one-out] [--sensitivity]\n"
    "  stacksim calibrate [FILE|DIR]... [--write]\n"
    "  stacksim sweep SWEEP.yaml [--jobs N] [--db FILE] [--shard K/N]   (also under mpirun)\n"
    "  stacksim export RESULTS.db --csv FILE\n"
    "  stacksim merge OUT.db IN.db...\n"
    "  stacksim plan PLAN.yaml [--jobs N]\n"
    "  stacksim --help | --version\n"
    "\n"
    "Commands:\n"
    "  run    simulate a scenario (with no file: the built-in default scenario,\n"
    "         DeepSeek V4 on Ascend 950PR vs Vera Rubin NVL72) and print a table\n"
    "  info   print what a scenario's inputs imply (sizes, memory, step times)\n"
    "  validate   compare with published measurements (scenarios/validation/)\n"
    "  calibrate  fit software-stack parameters to those measurements\n"
    "  sweep      run many scenarios (grid and zipped axes) into an SQLite database\n"
    "  export     write a results database as CSV\n"
    "  merge      combine the databases of sweep shards\n"
    "  plan       find the cheapest configuration per platform that meets an SLO\n"
    "\n"
    "`stacksim run --help` lists the options of run. Exit codes: 0 success,\n"
    "1 a simulation failed, 2 bad input (one error line naming file, line and key).\n";

int bad_usage(const std::string& what) {
  std::cerr << "stacksim: error: " << what << "\n";
  return 2;
}

// A command that takes [SCENARIO.yaml] and --set overrides, plus its own options.
struct ScenarioCommand {
  std::string name;    // "run"
  std::string usage;   // the help text above the options
  po::variables_map vm;
  std::string path;    // the scenario file (the default scenario when none is given)
  std::vector<Override> overrides;
};

// Parses `args` for `cmd`. Returns -1 to go on, or the exit code (help printed: 0;
// bad usage or a malformed --set: 2).
int parse_scenario_command(const std::vector<std::string>& args, po::options_description& opts,
                           ScenarioCommand* cmd) {
  opts.add_options()("help,h", "print this help")(
      "set,s", po::value<std::vector<std::string>>()->composing(),
      "override a scenario key, e.g. --set serving.chips=256 or --set platform.chip.hbm_bandwidth=\"20 TB/s\"; "
      "keys under platform., model. and workload. reach into those files; platform=PATH swaps the file "
      "(paths given here are relative to the current directory); repeatable");
  if (int code = parse_args(args, opts, &cmd->vm); code >= 0) return code;
  if (cmd->vm.count("help")) {
    std::cout << "Usage: stacksim " << cmd->name << " [SCENARIO.yaml] [options]\n\n" << cmd->usage << "\n" << opts << "\n";
    return 0;
  }
  const auto files = positionals(cmd->vm);
  if (files.size() > 1)
    return bad_usage(cmd->name + " takes one scenario file, got " + std::to_string(files.size()));
  cmd->path = files.empty() ? data_dir() + "/scenarios/default.yaml" : files[0];
  try {
    if (cmd->vm.count("set"))
      for (const auto& s : cmd->vm["set"].as<std::vector<std::string>>()) cmd->overrides.push_back(parse_override(s));
  } catch (const ConfigError& e) {
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 2;
  }
  return -1;
}

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
  ScenarioCommand cmd;
  cmd.name = "run";
  cmd.usage =
      "Simulates the scenario (each of its variants in its own process) and prints\n"
      "throughput, TTFT/TPOT/E2E percentiles, KV-cache use, chip-hours and dollars per\n"
      "million tokens side by side. Without SCENARIO.yaml runs " + data_dir() + "/scenarios/default.yaml.\n";
  po::options_description opts("Options of `stacksim run [SCENARIO.yaml]`");
  opts.add_options()("output,o", po::value<std::string>(), "write the summaries as JSON to FILE (written atomically)")(
      "jobs,j", po::value<int>()->default_value(1), "simulations to run at once (one process each)")(
      "quiet,q", "do not print the table")(
      "stats", po::value<std::string>(),
      "write each simulation's wall seconds, peak RSS and SimGrid activities as JSON to FILE (for bench/)");
  if (int code = parse_scenario_command(args, opts, &cmd); code >= 0) return code;
  const po::variables_map& vm = cmd.vm;
  const std::string& path = cmd.path;
  const int jobs = vm["jobs"].as<int>();
  if (jobs < 1) return bad_usage("--jobs must be at least 1");

  std::vector<Scenario> scenarios;
  std::vector<std::unique_ptr<Generator>> generators;
  try {
    scenarios = load_scenarios(path, cmd.overrides);
    // Generators are built here, before any process forks, so that bad traces are
    // reported as input errors.
    for (const auto& sc : scenarios) generators.push_back(make_generator(sc.workload, sc.seed));
  } catch (const ConfigError& e) {
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 2;
  }
  try {
    for (const char* o : {"output", "stats"})
      if (vm.count(o)) check_writable(vm[o].as<std::string>());
  } catch (const std::exception& e) {
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 2;
  }

  std::vector<std::function<std::string()>> tasks;
  for (size_t i = 0; i < scenarios.size(); ++i)
    tasks.push_back([&, i] { return simulate(scenarios[i], std::move(generators[i])).dump(); });
  std::vector<ChildResult> results = run_isolated(tasks, jobs);

  std::vector<nlohmann::json> summaries;
  std::vector<double> wall;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok) {
      std::cerr << "stacksim: error: scenario " << scenarios[i].name << ": " << results[i].error << "\n";
      return 1;
    }
    summaries.push_back(nlohmann::json::parse(results[i].output));
    wall.push_back(results[i].wall_seconds);
  }
  if (!vm.count("quiet")) print_table(std::cout, summaries, wall);
  if (vm.count("stats")) {
    // Measurements of this machine, kept apart from the (deterministic) summaries.
    nlohmann::json stats = nlohmann::json::array();
    for (size_t i = 0; i < summaries.size(); ++i) {
      const auto& s = summaries[i];
      stats.push_back({{"scenario", s["scenario"]},
                       {"requests", s["requests"]["completed"].get<int64_t>() + s["requests"]["rejected"].get<int64_t>()},
                       {"simulated_seconds", s["simulated_seconds"]},
                       {"chips", s["layout"]["chips"]},
                       {"simgrid_activities", s["engine"]["simgrid_activities"]},
                       {"wall_seconds", results[i].wall_seconds},
                       {"peak_rss_mb", results[i].peak_rss_mb}});
    }
    try {
      write_file_atomic(vm["stats"].as<std::string>(), stats.dump(2) + "\n");
    } catch (const std::exception& e) {
      std::cerr << "stacksim: error: " << e.what() << "\n";
      return 2;
    }
  }
  if (vm.count("output")) {
    nlohmann::json doc = {{"stacksim_version", kVersion}, {"scenario_file", path}, {"scenarios", summaries}};
    try {
      write_file_atomic(vm["output"].as<std::string>(), doc.dump(2) + "\n");
    } catch (const std::exception& e) {
      std::cerr << "stacksim: error: " << e.what() << "\n";
      return 2;
    }
  }
  return 0;
}

namespace {

nlohmann::json step_json(const std::string& label, const StepTime& t, double tokens_per_chip) {
  return {{"label", label},
          {"total_s", t.total},
          {"attention_s", t.attention},
          {"ffn_s", t.ffn},
          {"experts_s", t.experts},
          {"dispatch_combine_s", t.comm},
          {"overhead_s", t.overhead},
          {"flops_limited_s", t.flops_limited},
          {"tokens_per_s_per_chip", tokens_per_chip / t.total}};
}

// What a scenario's inputs imply, without simulating: model sizes, peaks, memory per
// chip and KV capacity, and the performance model's step times at representative
// batch shapes (with the share of compute time set by FLOPs rather than HBM bytes).
nlohmann::json describe(const Scenario& sc) {
  const Model& m = sc.model;
  const Platform& p = sc.platform;
  const Serving& s = sc.serving;
  const PerfModel pm(m, p, s);
  const MemoryPlan& mem = pm.memory();
  nlohmann::json peaks = nlohmann::json::object();
  for (const auto& [prec, f] : p.chip.flops) peaks[precision_name(prec)] = f;
  const double weight_bytes = m.total_params() * precision_bytes(m.weights);
  const double usable = p.chip.hbm_capacity - p.stack.hbm_reserved;
  nlohmann::json j = {
      {"scenario", sc.name},
      {"model",
       {{"name", m.name},
        {"total_params", m.total_params()},
        {"active_params", m.active_params()},
        {"routed_experts", m.routed_experts},
        {"weights", precision_name(m.weights)},
        {"weight_bytes", weight_bytes},
        {"kv_cache", precision_name(m.kv_cache)},
        {"kv_bytes_per_token", m.kv_bytes_per_token()},
        {"max_context", m.max_context}}},
      {"platform",
       {{"name", p.name},
        {"chip", p.chip.name},
        {"stack", p.stack.name},
        {"peak_flops_per_chip", peaks},
        {"activation_peak_flops_per_chip", p.chip.peak(m.activations)},
        {"activations", precision_name(m.activations)},
        {"hbm_bytes", p.chip.hbm_capacity},
        {"hbm_bytes_per_s", p.chip.hbm_bandwidth},
        {"scale_up_chips", p.scale_up.chips_per_domain},
        {"scale_up_bytes_per_s", p.scale_up.bandwidth_per_chip},
        {"nic_bytes_per_s", p.scale_out.nic_bandwidth_per_chip},
        {"cluster_chips", p.cluster_chips}}},
      {"serving",
       {{"chips", s.chips},
        {"instances", s.instances()},
        {"chips_per_instance", s.chips_per_instance},
        {"dp_ranks", s.dp_ranks()},
        {"attention_tp", s.attention_tp}}},
      {"memory",
       {{"weights_per_chip", mem.weights_per_chip},
        {"reserved_per_chip", p.stack.hbm_reserved},
        {"kv_bytes_per_chip", mem.kv_bytes_per_chip},
        {"kv_tokens_per_rank", mem.kv_tokens_per_rank},
        {"kv_tokens_per_instance", mem.kv_tokens_per_instance},
        // The fewest chips whose usable HBM holds one copy of the weights, KV aside.
        {"min_chips_for_weights", usable > 0 ? std::ceil(weight_bytes / usable) : 0.0}}}};
  nlohmann::json steps = nlohmann::json::array();
  const double ctx = 4096, dp = s.dp_ranks(), tp = s.attention_tp;
  for (int b : std::set<int>{1, 16, 64, s.max_seqs_per_chip}) {
    BatchShape d;
    d.decode_seqs = static_cast<int64_t>(b * dp);
    d.decode_kv_tokens = double(d.decode_seqs) * ctx;
    nlohmann::json st = step_json("decode " + std::to_string(b) + " seq/rank, 4k context", pm.step_time(d),
                                  b * pm.tokens_per_step() / tp);
    st["kind"] = "decode";
    st["seqs_per_rank"] = b;
    steps.push_back(st);
  }
  BatchShape pf;
  const int64_t chunk = s.token_budget_per_chip;
  pf.prefill_tokens = static_cast<int64_t>(chunk * dp);
  pf.max_chunk = chunk;
  pf.prefill_attn_pairs = double(pf.prefill_tokens) * double(chunk + 1) / 2;
  pf.prefill_seqs_done = static_cast<int64_t>(dp);
  nlohmann::json st = step_json("prefill " + std::to_string(chunk) + "-token prompts", pm.step_time(pf), double(chunk) / tp);
  st["kind"] = "prefill";
  st["tokens_per_rank"] = chunk;
  steps.push_back(st);
  j["steps"] = steps;
  return j;
}

void print_description(const nlohmann::json& j) {
  const auto& m = j["model"];
  const auto& p = j["platform"];
  const auto& s = j["serving"];
  const auto& mem = j["memory"];
  std::printf("== %s\n", j["scenario"].get<std::string>().c_str());
  std::printf("model %s: %.1fB total, %.2fB active parameters; weights %s (%s); KV %.1f KB per token (%s)\n",
              m["name"].get<std::string>().c_str(), m["total_params"].get<double>() / 1e9,
              m["active_params"].get<double>() / 1e9, format_bytes(m["weight_bytes"].get<double>()).c_str(),
              m["weights"].get<std::string>().c_str(), m["kv_bytes_per_token"].get<double>() / 1e3,
              m["kv_cache"].get<std::string>().c_str());
  std::printf("platform %s: %s, %.0f TFLOPS %s, HBM %s at %s/s; scale-up %d chips at %s/s; NIC %s/s; %s\n",
              p["name"].get<std::string>().c_str(), p["chip"].get<std::string>().c_str(),
              p["activation_peak_flops_per_chip"].get<double>() / 1e12, p["activations"].get<std::string>().c_str(),
              format_bytes(p["hbm_bytes"].get<double>()).c_str(), format_bytes(p["hbm_bytes_per_s"].get<double>()).c_str(),
              p["scale_up_chips"].get<int>(), format_bytes(p["scale_up_bytes_per_s"].get<double>()).c_str(),
              format_bytes(p["nic_bytes_per_s"].get<double>()).c_str(), p["stack"].get<std::string>().c_str());
  const int tp = s["attention_tp"].get<int>();
  const std::string ep = m["routed_experts"].get<int>() > 0
                             ? "EP" + std::to_string(s["chips_per_instance"].get<int>()) + ", "
                             : std::string();
  std::printf("serving: %d chips = %d instances x %d (%sattention DP%d x TP%d)\n", s["chips"].get<int>(),
              s["instances"].get<int>(), s["chips_per_instance"].get<int>(), ep.c_str(), s["dp_ranks"].get<int>(), tp);
  std::printf("memory per chip: weights %s, reserved %s, KV cache %s = %lld tokens per rank, %lld per instance\n",
              format_bytes(mem["weights_per_chip"].get<double>()).c_str(),
              format_bytes(mem["reserved_per_chip"].get<double>()).c_str(),
              format_bytes(mem["kv_bytes_per_chip"].get<double>()).c_str(),
              static_cast<long long>(mem["kv_tokens_per_rank"].get<int64_t>()),
              static_cast<long long>(mem["kv_tokens_per_instance"].get<int64_t>()));
  std::printf("step times (busiest chip; a data-parallel rank spans %d chip%s; FLOP-bound share of compute):\n", tp,
              tp > 1 ? "s" : "");
  for (const auto& st : j["steps"]) {
    const double compute = st["attention_s"].get<double>() + st["ffn_s"].get<double>() + st["experts_s"].get<double>();
    std::printf("  %-34s %9.2f ms  (attention %.2f, ffn %.2f, experts %.2f, dispatch/combine %.2f, overhead %.2f;"
                " %3.0f%% FLOP-bound)  %8.0f tok/s/chip\n",
                st["label"].get<std::string>().c_str(), st["total_s"].get<double>() * 1e3,
                st["attention_s"].get<double>() * 1e3, st["ffn_s"].get<double>() * 1e3,
                st["experts_s"].get<double>() * 1e3, st["dispatch_combine_s"].get<double>() * 1e3,
                st["overhead_s"].get<double>() * 1e3,
                compute > 0 ? 100 * st["flops_limited_s"].get<double>() / compute : 0.0,
                st["tokens_per_s_per_chip"].get<double>());
  }
}

int cmd_info(const std::vector<std::string>& args) {
  ScenarioCommand cmd;
  cmd.name = "info";
  cmd.usage =
      "Prints what the scenario's inputs imply, without simulating: model sizes,\n"
      "memory per chip and KV capacity, and step times at representative batches.\n";
  po::options_description opts("Options of `stacksim info [SCENARIO.yaml]`");
  opts.add_options()("output,o", po::value<std::string>(), "also write the figures as JSON to FILE (atomically)")(
      "quiet,q", "do not print them");
  if (int code = parse_scenario_command(args, opts, &cmd); code >= 0) return code;
  nlohmann::json all = nlohmann::json::array();
  try {
    for (const auto& sc : load_scenarios(cmd.path, cmd.overrides)) all.push_back(describe(sc));
  } catch (const ConfigError& e) {
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 2;
  }
  if (!cmd.vm.count("quiet"))
    for (const auto& d : all) print_description(d);
  if (cmd.vm.count("output")) {
    nlohmann::json doc = {{"stacksim_version", kVersion}, {"scenario_file", cmd.path}, {"scenarios", all}};
    try {
      write_file_atomic(cmd.vm["output"].as<std::string>(), doc.dump(2) + "\n");
    } catch (const std::exception& e) {
      std::cerr << "stacksim: error: " << e.what() << "\n";
      return 2;
    }
  }
  return 0;
}

}  // namespace

int main_dispatch(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kMainHelp;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "stacksim " << kVersion << "\n";
    return 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "run") return cmd_run(args);
  if (cmd == "info") return cmd_info(args);
  if (cmd == "validate") return cmd_validate(args);
  if (cmd == "calibrate") return cmd_calibrate(args);
  if (cmd == "sweep") return cmd_sweep(args);
  if (cmd == "export") return cmd_export(args);
  if (cmd == "merge") return cmd_merge(args);
  if (cmd == "plan") return cmd_plan(args);
  return bad_usage("unknown command \"" + cmd + "\" (try stacksim --help)");
}

}  // namespace stacksim
