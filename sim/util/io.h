// Files: the one place stacksim reads a whole file or writes one (atomically).
#pragma once

#include <string>
#include <vector>

namespace stacksim {

// Inputs are regular files only: a FIFO would block, a device never end, a directory has
// no text. Every input a command reads is recorded (device and inode), so that no output
// of the command can be one of them.

// The largest file read whole (a YAML or JSON input; traces are streamed).
constexpr long long kMaxInputBytes = 256LL << 20;

// Why `path` cannot be an input ("is a directory", "is not a regular file (a FIFO)",
// "is larger than 256 MiB", "does not exist" ...), or "" when it can; records it as one.
std::string input_problem(const std::string& path, long long max_bytes = kMaxInputBytes);
// Reads the whole file at `path` into *text (a regular file, at most kMaxInputBytes),
// recording it as an input. False when it cannot; *why (when given) says why.
bool read_text(const std::string& path, std::string* text, std::string* why = nullptr);
// The error for an input read_text refused: "cannot open file" when it does not exist,
// "cannot read it: it " + why otherwise.
inline std::string unreadable(const std::string& why) {
  return why == "does not exist" ? "cannot open file" : "cannot read it: it " + why;
}

// FNV-1a of the file's bytes, streamed (a trace may be large); `fallback` when it cannot be
// read (the readers that read it for real report that).
uint64_t file_hash(const std::string& path, uint64_t fallback = 0);

// Writes `contents` to `path` through a temporary file renamed into place, so a reader
// never sees a half-written file. A symbolic link is followed (its target is written; the
// link stays). Throws std::runtime_error naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& contents);
// Checks, before a command does its work, an output it will write: its directory must be
// writable; if it exists, it must be a regular file (a device, FIFO or directory is never
// replaced), not one of the command's inputs read so far (same device and inode) and not
// an output already checked. Throws std::runtime_error naming the path (exit 2).
void check_writable(const std::string& path);
// A database the command keeps its results in (sweep and plan --db, merge's OUT): absent,
// or a regular file that is none of the command's inputs. Throws like check_writable.
void check_database(const std::string& path);

// The name of part `i` of `path` that a child process writes (removed by concat_atomic).
std::string part_name(const std::string& path, size_t i);
// Writes `head`, each part's bytes, then `tail` to `path` through a temporary file renamed
// into place (as write_file_atomic), and removes the parts.
void concat_atomic(const std::string& path, const std::string& head, const std::vector<std::string>& parts,
                   const std::string& tail = "");

}  // namespace stacksim
