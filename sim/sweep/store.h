// ResultStore: the SQLite database of a sweep. One row per scenario, keyed by the
// scenario's fingerprint, with its position in the sweep, its swept inputs and its JSON
// summary. Each row is committed on its own (write-ahead log), so a sweep killed at any
// moment keeps every scenario that finished and a rerun skips them.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace stacksim {

struct StoredResult {
  std::string fingerprint;
  int64_t index = 0;     // position in the sweep
  std::string scenario;  // its name
  std::string inputs;    // JSON object: swept key -> value
  std::string summary;   // JSON summary (see metrics/metrics.h)
};

class ResultStore {
 public:
  enum class Mode { Write, ReadOnly };
  // Opens the database at `path`: Write creates it if needed (and its table); ReadOnly
  // (export's input, merge's inputs) changes nothing and refuses a file that is not a
  // stacksim results database. Before a write, a damaged database is refused (SQLite's
  // quick_check). Throws std::runtime_error naming the path.
  explicit ResultStore(const std::string& path, Mode mode = Mode::Write);
  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  std::set<std::string> fingerprints() const;
  // Inserts one result in its own transaction; a fingerprint already present is kept.
  // `replace`: over a row of the same fingerprint (one a newer stacksim must redo).
  void insert(const StoredResult& r, bool replace = false);
  // Every result, by sweep index.
  std::vector<StoredResult> all() const;
  // Copies every row of the database at `other` that this one lacks (with its requests,
  // when `other` has them). Returns the count.
  int64_t merge_from(const std::string& other);

  // The per-request records (`sweep --requests`): the table `requests`, a row per request
  // of each scenario (its fingerprint, then RequestLog's columns but the scenario's name).
  // Inserts result `r` (replacing one of its fingerprint) with the rows of the CSV file
  // `csv` (RequestLog's, without a header), in one transaction.
  void insert_with_requests(const StoredResult& r, const std::string& csv);
  // The fingerprints that have request records.
  std::set<std::string> fingerprints_with_requests() const;

 private:
  void exec(const std::string& sql) const;
  // Steps a read query to its end: each row to `row`; throws on anything but the end of
  // the data (a damaged page is an error, not the end).
  void each_row(sqlite3_stmt* st, const std::function<void(sqlite3_stmt*)>& row) const;
  bool has_table(const std::string& name, const std::string& schema = "main") const;
  void create_requests_table() const;
  std::string path_;
  sqlite3* db_ = nullptr;
};

// The database beside a sweep or plan file: FILE.yaml -> FILE.db.
std::string default_results_path(const std::string& file);

// Writes every result as CSV: fingerprint, index, scenario, one column per swept input
// (input.KEY) and per summary value (dotted JSON paths), the union over rows, sorted.
std::string results_to_csv(const std::vector<StoredResult>& results);

}  // namespace stacksim
