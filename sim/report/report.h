// Report: scenario summaries (the JSON that simulate() returns) as a side-by-side
// table for people.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "util/io.h"  // write_file_atomic, for the commands that write summaries

namespace stacksim {

// One column per scenario; `wall_seconds` (same length, may be empty) adds a row.
void print_table(std::ostream& out, const std::vector<nlohmann::json>& summaries,
                 const std::vector<double>& wall_seconds);

}  // namespace stacksim
