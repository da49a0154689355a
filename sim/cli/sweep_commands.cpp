// `stacksim sweep`, `export`, `merge` and `plan`: many scenarios, each in its own
// process, results in one SQLite database.
#include <boost/program_options.hpp>
#include <unistd.h>

#ifdef STACKSIM_MPI
#include <mpi.h>
#endif

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/isolate.h"
#include "report/report.h"
#include "serving/simulation.h"
#include "sweep/store.h"
#include "sweep/sweep.h"
#include "workload/generator.h"

namespace po = boost::program_options;

namespace stacksim {

namespace {

int usage_error(const std::string& what) {
  std::cerr << "stacksim: error: " << what << "\n";
  return 2;
}

// Progress on stderr: a bar redrawn in place on a terminal, otherwise a plain line at
// every tenth of the way (and at the end).
class Progress {
 public:
  Progress(size_t total, std::string what)
      : total_(total), what_(std::move(what)), tty_(isatty(2)), start_(std::chrono::steady_clock::now()) {}
  void done_one() {
    ++done_;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = secs > 0 ? done_ / secs : 0;
    const double eta = rate > 0 ? (total_ - done_) / rate : 0;
    char line[160];
    if (tty_) {
      const int width = 30, filled = total_ ? int(width * done_ / total_) : width;
      std::snprintf(line, sizeof line, "\r%s [%s%s] %zu/%zu  %.1f/s  ETA %.0f s ", what_.c_str(),
                    std::string(size_t(filled), '#').c_str(), std::string(size_t(width - filled), '.').c_str(), done_,
                    total_, rate, eta);
      std::cerr << line << (done_ == total_ ? "\n" : "") << std::flush;
    } else if (done_ == total_ || done_ * 10 / total_ != (done_ - 1) * 10 / total_) {
      std::snprintf(line, sizeof line, "%s: %zu/%zu done, %.1f scenarios/s, ETA %.0f s\n", what_.c_str(), done_, total_,
                    rate, eta);
      std::cerr << line;
    }
  }

 private:
  size_t total_, done_ = 0;
  std::string what_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

// Which slice of the points this process runs: K of N (0 <= K < N).
struct Shard {
  int k = 0, n = 1;
};

bool parse_shard(const std::string& s, Shard* out) {
  int k, n;
  char c;
  std::istringstream in(s);
  if (!(in >> k >> c >> n) || c != '/' || n < 1 || k < 0 || k >= n || !in.eof()) return false;
  *out = {k, n};
  return true;
}

// Runs the scenarios of `shard` missing from `done` and stores each as it finishes.
// Returns the number that failed.
int run_shard(const std::vector<SweepScenario>& all, const std::set<std::string>& done, const Shard& shard, int jobs,
              ResultStore& store, const std::string& label) {
  std::vector<const SweepScenario*> todo;
  for (const auto& s : all)
    if (s.index % shard.n == shard.k && !done.count(s.scenario.fingerprint)) todo.push_back(&s);
  std::vector<std::function<std::string()>> tasks;
  for (const SweepScenario* s : todo)
    tasks.push_back([s] { return nlohmann::json(simulate(s->scenario, make_generator(s->scenario.workload, s->scenario.seed))).dump(); });
  Progress progress(tasks.size(), label);
  int failed = 0;
  run_isolated(tasks, jobs, [&](size_t i, const ChildResult& r) {
    const SweepScenario& s = *todo[i];
    if (!r.ok) {
      std::cerr << "\nstacksim: scenario " << s.index << " (" << s.scenario.name << ") failed: " << r.error << "\n";
      ++failed;
    } else {
      store.insert({s.scenario.fingerprint, s.index, s.scenario.name, s.inputs.dump(), r.output});
    }
    progress.done_one();
  });
  return failed;
}

}  // namespace

int cmd_sweep(const std::vector<std::string>& args) {
  po::options_description opts("Options of `stacksim sweep SWEEP.yaml`");
  opts.add_options()("help,h", "print this help")("jobs,j", po::value<int>()->default_value(1),
                                                   "scenarios to run at once (one process each)")(
      "db", po::value<std::string>(), "the results database (default: SWEEP.db beside the sweep file)")(
      "shard", po::value<std::string>(), "run only slice K/N of the scenarios (0 <= K < N), e.g. for job arrays")(
      "set,s", po::value<std::vector<std::string>>()->composing(), "override a key in every scenario");
  po::variables_map vm;
  if (int code = parse_args(args, opts, &vm); code >= 0) return code;
  if (vm.count("help")) {
    std::cout << "Usage: stacksim sweep SWEEP.yaml [options]\n\n"
                 "Runs every scenario of a sweep (base scenario x grid x zip axes), each in its own\n"
                 "process, and commits each result to an SQLite database as it finishes; a rerun\n"
                 "skips the scenarios already there. Under `mpirun -np N` the scenarios are spread\n"
                 "over the ranks and gathered into the one database.\n\n"
              << opts << "\n";
    return 0;
  }
  if (positionals(vm).size() != 1) return usage_error("sweep takes one sweep file");
  const std::string file = positionals(vm)[0];
  const std::string db = vm.count("db") ? vm["db"].as<std::string>() : default_results_path(file);
  const int jobs = vm["jobs"].as<int>();
  if (jobs < 1) return usage_error("--jobs must be at least 1");
  Shard shard;
  if (vm.count("shard") && !parse_shard(vm["shard"].as<std::string>(), &shard))
    return usage_error("--shard expects K/N with 0 <= K < N, found \"" + vm["shard"].as<std::string>() + "\"");

  std::vector<SweepScenario> scenarios;
  try {
    std::vector<Override> cli;
    if (vm.count("set"))
      for (const auto& s : vm["set"].as<std::vector<std::string>>()) cli.push_back(parse_override(s));
    scenarios = expand_sweep(load_sweep(file), cli);
    for (const auto& s : scenarios) make_generator(s.scenario.workload, s.scenario.seed);  // traces readable
  } catch (const ConfigError& e) {
    return usage_error(e.what());
  }

  int rank = 0, size = 1;
#ifdef STACKSIM_MPI
  const bool mpi = std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr;
  if (mpi) {
    setenv("OMPI_MCA_mpi_warn_on_fork", "0", 1);  // children never call MPI
    MPI_Init(nullptr, nullptr);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (vm.count("shard")) return usage_error("--shard and mpirun do not go together");
    shard = {rank, size};
  }
#else
  const bool mpi = false;
#endif
  int failed = 0;
  try {
    if (!mpi) {
      ResultStore store(db);
      const auto done = store.fingerprints();
      failed = run_shard(scenarios, done, shard, jobs, store, "sweep");
      std::cerr << "sweep: " << store.fingerprints().size() << " results in " << db << "\n";
    }
#ifdef STACKSIM_MPI
    else {
      // Each rank writes its own database; rank 0 merges them into the one database
      // (first any left by a killed run, then this run's).
      const std::string mine = db + ".rank" + std::to_string(rank);
      if (rank == 0) {
        ResultStore main_store(db);
        for (int r = 0; r < size; ++r)
          if (access((db + ".rank" + std::to_string(r)).c_str(), F_OK) == 0) {
            main_store.merge_from(db + ".rank" + std::to_string(r));
            for (const char* ext : {"", "-wal", "-shm"}) std::remove((db + ".rank" + std::to_string(r) + ext).c_str());
          }
      }
      MPI_Barrier(MPI_COMM_WORLD);
      std::set<std::string> done;
      {
        ResultStore main_store(db);
        done = main_store.fingerprints();
      }
      {
        ResultStore store(mine);
        failed = run_shard(scenarios, done, shard, jobs, store, "sweep rank " + std::to_string(rank));
      }
      MPI_Barrier(MPI_COMM_WORLD);
      if (rank == 0) {
        ResultStore main_store(db);
        for (int r = 0; r < size; ++r) {
          const std::string f = db + ".rank" + std::to_string(r);
          main_store.merge_from(f);
          for (const char* ext : {"", "-wal", "-shm"}) std::remove((f + ext).c_str());
        }
        std::cerr << "sweep: " << main_store.fingerprints().size() << " results in " << db << " (" << size
                  << " ranks)\n";
      }
      int total = 0;
      MPI_Allreduce(&failed, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
      failed = total;
      MPI_Finalize();
    }
#endif
  } catch (const std::exception& e) {
    std::cerr << "stacksim: error: " << e.what() << "\n";
    return 2;
  }
  return failed > 0 ? 1 : 0;
}

int cmd_export(const std::vector<std::string>& args) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "Usage: stacksim export RESULTS.db --csv FILE\n\nWrites every result as one CSV row: inputs "
                 "(input.KEY) and every metric (dotted JSON paths).\n";
    return 0;
  }
  if (args.size() != 3 || args[1] != "--csv") return usage_error("usage: stacksim export RESULTS.db --csv FILE");
  if (access(args[0].c_str(), R_OK) != 0) return usage_error(args[0] + ": no such results database");
  try {
    ResultStore store(args[0]);
    write_file_atomic(args[2], results_to_csv(store.all()));
  } catch (const std::exception& e) {
    return usage_error(e.what());
  }
  return 0;
}

int cmd_merge(const std::vector<std::string>& args) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "Usage: stacksim merge OUT.db IN.db...\n\nCopies into OUT.db every result of the IN databases "
                 "(the shards of a sweep) that it lacks.\n";
    return 0;
  }
  if (args.size() < 2) return usage_error("usage: stacksim merge OUT.db IN.db...");
  try {
    ResultStore out(args[0]);
    for (size_t i = 1; i < args.size(); ++i) {
      if (access(args[i].c_str(), R_OK) != 0) return usage_error(args[i] + ": no such results database");
      const int64_t n = out.merge_from(args[i]);
      std::cerr << "merge: " << n << " new results from " << args[i] << "\n";
    }
  } catch (const std::exception& e) {
    return usage_error(e.what());
  }
  return 0;
}

}  // namespace stacksim
