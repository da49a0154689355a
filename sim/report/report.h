// Report: scenario summaries (the JSON that simulate() returns) as a side-by-side
// table for people, and as a JSON file written atomically.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace stacksim {

// One column per scenario; `wall_seconds` (same length, may be empty) adds a row.
void print_table(std::ostream& out, const std::vector<nlohmann::json>& summaries,
                 const std::vector<double>& wall_seconds);

// Writes `doc` to `path` through a temporary file renamed into place, so a reader
// never sees a half-written file. Throws std::runtime_error naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& contents);
// Throws like write_file_atomic when `path` cannot be written (its directory is missing
// or read-only), so that a command fails before its work rather than after it.
void check_writable(const std::string& path);

}  // namespace stacksim
