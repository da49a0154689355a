// Running a sweep: the scenarios of a shard, each in its own process, each result
// committed to an SQLite database as it finishes (a rerun skips those already there).
// Under mpirun the scenarios are spread over the ranks: each rank writes its own
// database and rank 0 merges them into the one database.
#pragma once

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

// Runs the scenarios of `shard` missing from the database at `db` (this process alone),
// or, under_mpi(), this rank's share of them. Progress goes to stderr. Returns the
// number of scenarios that failed (under MPI: over all ranks).
// `requests`: also a record per request of each scenario, in the database's `requests`
// table (ResultStore::insert_with_requests); a result without records is then rerun.
int run_sweep(const std::vector<SweepScenario>& scenarios, const std::string& db, const Shard& shard, int jobs,
              bool requests = false);

}  // namespace stacksim
