// Running a sweep: the scenarios of a shard, each in its own process, each result
// committed to an SQLite database as it finishes (a rerun skips those already there).
// Under mpirun the scenarios are spread over the ranks: each rank writes its own
// database and rank 0 merges them into the one database.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sweep/sweep.h"

namespace stacksim {

// Which slice of the points this process runs: K of N (0 <= K < N).
struct Shard {
  int k = 0, n = 1;
};

// "K/N" -> Shard; false if malformed.
bool parse_shard(const std::string& s, Shard* out);

// True when this process was started by mpirun (and stacksim was built with MPI).
bool under_mpi();
// This process's MPI rank (0 when not under mpirun).
int mpi_rank();

struct SweepRun {
  int jobs = 1;  // scenarios at once (one process each), per rank
  // Also a record per request of each scenario, in the database's `requests` table
  // (ResultStore::insert_with_requests); a result without records is then rerun.
  bool requests = false;
  // Each stored summary also carries its latencies' sketches, under "distributions"
  // (serving/simulation.h's RunOutputs::distributions): what a fleet merges.
  bool distributions = false;
  // When given, each scenario run gets its wall time (s) here, by sweep index (under MPI:
  // on rank 0, from every rank).
  std::map<int64_t, double>* walls = nullptr;
  std::string label = "sweep";  // what progress and the closing line call the run
};

// Runs the scenarios of `shard` missing from the database at `db` (this process alone),
// or, under_mpi(), this rank's share of them. Progress goes to stderr. Returns the
// number of scenarios that failed (under MPI: over all ranks).
int run_sweep(const std::vector<SweepScenario>& scenarios, const std::string& db, const Shard& shard,
              const SweepRun& run);

}  // namespace stacksim
