// Per-request records (`stacksim run --requests FILE.csv`): a CSV row per request, written
// as each one ends (completed or rejected) and, at the end of the run, for those still in
// flight, so that memory stays bounded whatever the number of requests.
#pragma once

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "serving/request.h"

namespace stacksim {

class RequestLog {
 public:
  // The columns, in order (the header row).
  static const char* header();
  // Opens `path` (the run's own part file) and writes the header when `with_header`.
  RequestLog(const std::string& path, std::string scenario, bool with_header);
  // status: "completed", "rejected" or "in_flight"; finish < 0 and first token < 0 are
  // written as empty cells.
  void write(const Request& r, const char* status, double finish, const std::string& reason = "");
  // Throws std::runtime_error when a write failed (disk full ...).
  void close();

 private:
  std::ofstream out_;
  std::string path_, scenario_;
};

// `value` as a CSV cell: quoted (quotes doubled) when it holds a comma, quote or newline.
std::string csv_cell(const std::string& value);

// Streams the rows of a CSV file (cells unquoted as csv_cell quotes them) to `row`, the
// header included. Throws std::runtime_error when the file cannot be read.
void read_csv(const std::string& path, const std::function<void(const std::vector<std::string>&)>& row);

}  // namespace stacksim
