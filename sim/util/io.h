// Files: the one place stacksim reads a whole file or writes one (atomically).
#pragma once

#include <string>
#include <vector>

namespace stacksim {

// Reads the whole file at `path` into *text. False when it cannot be opened.
bool read_text(const std::string& path, std::string* text);

// Writes `contents` to `path` through a temporary file renamed into place, so a reader
// never sees a half-written file. Throws std::runtime_error naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& contents);
// Throws like write_file_atomic when `path` cannot be written (its directory is missing
// or read-only), so that a command fails before its work rather than after it.
void check_writable(const std::string& path);

// The name of part `i` of `path` that a child process writes (removed by concat_atomic).
std::string part_name(const std::string& path, size_t i);
// Writes `head`, each part's bytes, then `tail` to `path` through a temporary file renamed
// into place (as write_file_atomic), and removes the parts.
void concat_atomic(const std::string& path, const std::string& head, const std::vector<std::string>& parts,
                   const std::string& tail = "");

}  // namespace stacksim
