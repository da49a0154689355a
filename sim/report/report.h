// Report: run summaries as a side-by-side table for people.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "metrics/summary.h"
#include "util/io.h"  // write_file_atomic, for the commands that write summaries

namespace stacksim {

// One column per scenario; `wall_seconds` (same length, may be empty) adds a row.
void print_table(std::ostream& out, const std::vector<RunSummary>& summaries, const std::vector<double>& wall_seconds);

}  // namespace stacksim
