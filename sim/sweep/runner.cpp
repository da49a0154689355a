#include "sweep/runner.h"

#include <unistd.h>

#ifdef STACKSIM_MPI
#include <mpi.h>
#endif

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "serving/simulation.h"
#include "sweep/isolate.h"
#include "sweep/store.h"
#include "workload/generator.h"

namespace stacksim {

namespace {

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

// Runs the scenarios of `shard` missing from `done` and stores each as it finishes.
// Returns the number that failed.
// `parts`: with per-request records, the prefix of the files the simulations stream
// them to (beside the database; each is moved into it and removed).
int run_shard(const std::vector<SweepScenario>& all, const std::set<std::string>& done, const Shard& shard,
              const SweepRun& run, ResultStore& store, const std::string& label, const std::string& parts = "") {
  std::vector<const SweepScenario*> todo;
  for (const auto& s : all)
    if (s.index % shard.n == shard.k && !done.count(s.scenario.fingerprint)) todo.push_back(&s);
  auto part = [&](const SweepScenario& s) { return parts.empty() ? "" : parts + std::to_string(s.index); };
  std::vector<std::function<std::string()>> tasks;
  for (const SweepScenario* s : todo)
    tasks.push_back([s, &part, &run] {
      RunOutputs out;
      out.requests_csv = part(*s);
      nlohmann::json distributions;
      if (run.distributions) out.distributions = &distributions;
      nlohmann::json summary = simulate(s->scenario, make_generator(s->scenario.workload, s->scenario.seed), out);
      if (run.distributions) summary["distributions"] = std::move(distributions);
      return summary.dump();
    });
  Progress progress(tasks.size(), label);
  int failed = 0;
  run_isolated(tasks, run.jobs, [&](size_t i, const ChildResult& r) {
    const SweepScenario& s = *todo[i];
    if (run.walls) (*run.walls)[s.index] = r.wall_seconds;
    if (!r.ok) {
      std::cerr << "\nstacksim: scenario " << s.index << " (" << s.scenario.name << ") failed: " << r.error << "\n";
      ++failed;
    } else if (parts.empty()) {
      store.insert({s.scenario.fingerprint, s.index, s.scenario.name, s.inputs.dump(), r.output});
    } else {
      store.insert_with_requests({s.scenario.fingerprint, s.index, s.scenario.name, s.inputs.dump(), r.output},
                                 part(s));
    }
    if (!parts.empty()) std::remove(part(s).c_str());
    progress.done_one();
  });
  return failed;
}

std::string parts_prefix(const std::string& db, bool requests) {
  return requests ? db + ".requests." + std::to_string(getpid()) + "." : "";
}

std::set<std::string> done_in(const ResultStore& store, bool requests) {
  return requests ? store.fingerprints_with_requests() : store.fingerprints();
}

#ifdef STACKSIM_MPI
std::string rank_db(const std::string& db, int rank) { return db + ".rank" + std::to_string(rank); }

// Merges the rank databases present into `db` and deletes them (with their WAL files).
void merge_rank_dbs(const std::string& db, int ranks) {
  ResultStore main_store(db);
  for (int r = 0; r < ranks; ++r) {
    const std::string f = rank_db(db, r);
    if (access(f.c_str(), F_OK) != 0) continue;
    main_store.merge_from(f);
    for (const char* ext : {"", "-wal", "-shm"}) std::remove((f + ext).c_str());
  }
}

// Rank 0 gathers every rank's (index, wall) pairs into `walls`.
void gather_walls(std::map<int64_t, double>* walls, int rank, int size) {
  std::vector<double> mine;
  for (const auto& [i, w] : *walls) mine.insert(mine.end(), {double(i), w});
  int n = int(mine.size());
  std::vector<int> counts(static_cast<size_t>(size)), offsets(static_cast<size_t>(size));
  MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<double> all;
  if (rank == 0) {
    for (int r = 1; r < size; ++r) offsets[size_t(r)] = offsets[size_t(r - 1)] + counts[size_t(r - 1)];
    all.resize(size_t(offsets.back() + counts.back()));
  }
  MPI_Gatherv(mine.data(), n, MPI_DOUBLE, all.data(), counts.data(), offsets.data(), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  for (size_t k = 0; k + 1 < all.size(); k += 2) (*walls)[int64_t(all[k])] = all[k + 1];
}

int run_sweep_mpi(const std::vector<SweepScenario>& scenarios, const std::string& db, const SweepRun& run) {
  const bool requests = run.requests;
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  // First any rank databases a killed run left, so that this run skips their results.
  if (rank == 0) merge_rank_dbs(db, size);
  MPI_Barrier(MPI_COMM_WORLD);
  const std::set<std::string> done = done_in(ResultStore(db), requests);
  int failed = 0;
  {
    ResultStore store(rank_db(db, rank));
    failed = run_shard(scenarios, done, Shard{rank, size}, run, store, run.label + " rank " + std::to_string(rank),
                       parts_prefix(db, requests));
  }
  if (run.walls) gather_walls(run.walls, rank, size);
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) {
    merge_rank_dbs(db, size);
    std::cerr << run.label << ": " << ResultStore(db).fingerprints().size() << " results in " << db << " (" << size
              << " ranks)\n";
  }
  int total = 0;
  MPI_Allreduce(&failed, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  return total;
}
#endif

}  // namespace

bool parse_shard(const std::string& s, Shard* out) {
  int k, n;
  char c;
  std::istringstream in(s);
  if (!(in >> k >> c >> n) || c != '/' || n < 1 || k < 0 || k >= n || !in.eof()) return false;
  *out = {k, n};
  return true;
}

int mpi_rank() {
  const char* r = under_mpi() ? std::getenv("OMPI_COMM_WORLD_RANK") : nullptr;
  return r ? std::atoi(r) : 0;
}

bool under_mpi() {
#ifdef STACKSIM_MPI
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr;
#else
  return false;
#endif
}

int run_sweep(const std::vector<SweepScenario>& scenarios, const std::string& db, const Shard& shard,
              const SweepRun& run) {
#ifdef STACKSIM_MPI
  if (under_mpi()) {
    setenv("OMPI_MCA_mpi_warn_on_fork", "0", 1);  // children never call MPI
    MPI_Init(nullptr, nullptr);
    int failed = 0;
    try {
      failed = run_sweep_mpi(scenarios, db, run);
    } catch (...) {
      MPI_Finalize();
      throw;
    }
    MPI_Finalize();
    return failed;
  }
#endif
  ResultStore store(db);
  const int failed =
      run_shard(scenarios, done_in(store, run.requests), shard, run, store, run.label, parts_prefix(db, run.requests));
  std::cerr << run.label << ": " << store.fingerprints().size() << " results in " << db << "\n";
  return failed;
}

}  // namespace stacksim
