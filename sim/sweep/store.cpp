#include "sweep/store.h"

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "serving/request_log.h"

namespace stacksim {

namespace {

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(st_); }
  sqlite3_stmt* get() { return st_; }

 private:
  sqlite3_stmt* st_ = nullptr;
};

std::string column_text(sqlite3_stmt* st, int i) {
  const unsigned char* t = sqlite3_column_text(st, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace

ResultStore::ResultStore(const std::string& path, Mode mode) : path_(path) {
  // Read only: no table created, no journal mode changed, no row written. A writable file
  // is still opened for writing, as only then does SQLite remove the write-ahead log files
  // a WAL database's readers create (nothing else is written).
  const bool writable = ::access(path.c_str(), W_OK) == 0;
  const int flags = mode == Mode::Write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                    : writable          ? SQLITE_OPEN_READWRITE
                                        : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open the results database " + path + ": " + why);
  }
  sqlite3_busy_timeout(db_, 60000);
  try {
    // A damaged file is refused before anything is read from it or added to it (a resume
    // included): integrity_check, which also checks that the indexes match the tables.
    std::string check;
    Statement qc(db_, "PRAGMA integrity_check");
    each_row(qc.get(), [&](sqlite3_stmt* st) { check += column_text(st, 0); });
    if (check != "ok") throw std::runtime_error("the database is damaged (SQLite's integrity_check: " + check + ")");
    if (mode == Mode::ReadOnly) {
      if (!has_table("results")) throw std::runtime_error("not a stacksim results database (no results table)");
      return;
    }
    exec("PRAGMA journal_mode=WAL");
    exec(
        "CREATE TABLE IF NOT EXISTS results (fingerprint TEXT PRIMARY KEY, sweep_index INTEGER, scenario TEXT, "
        "inputs TEXT, summary TEXT)");
  } catch (const std::exception& e) {
    sqlite3_close(db_);
    const std::string what = e.what();
    throw std::runtime_error(what.compare(0, path.size() + 1, path + ":") == 0 ? what : path + ": " + what);
  }
}

void ResultStore::each_row(sqlite3_stmt* st, const std::function<void(sqlite3_stmt*)>& row) const {
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
  if (rc != SQLITE_DONE) throw std::runtime_error(path_ + ": reading failed: " + sqlite3_errmsg(db_));
}

ResultStore::~ResultStore() { sqlite3_close(db_); }

void ResultStore::exec(const std::string& sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string why = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error(path_ + ": " + why);
  }
}

std::set<std::string> ResultStore::fingerprints() const {
  std::set<std::string> out;
  Statement st(db_, "SELECT fingerprint FROM results");
  each_row(st.get(), [&](sqlite3_stmt* s) { out.insert(column_text(s, 0)); });
  return out;
}

void ResultStore::insert(const StoredResult& r, bool replace) {
  Statement st(db_, std::string(replace ? "INSERT OR REPLACE" : "INSERT OR IGNORE") +
                        " INTO results (fingerprint, sweep_index, scenario, inputs, summary) VALUES (?,?,?,?,?)");
  sqlite3_bind_text(st.get(), 1, r.fingerprint.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st.get(), 2, r.index);
  sqlite3_bind_text(st.get(), 3, r.scenario.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st.get(), 4, r.inputs.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st.get(), 5, r.summary.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st.get()) != SQLITE_DONE)
    throw std::runtime_error("cannot write to " + path_ + ": " + sqlite3_errmsg(db_));
}

std::vector<StoredResult> ResultStore::all() const {
  std::vector<StoredResult> out;
  Statement st(
      db_, "SELECT fingerprint, sweep_index, scenario, inputs, summary FROM results ORDER BY sweep_index, fingerprint");
  each_row(st.get(), [&](sqlite3_stmt* s) {
    out.push_back(
        {column_text(s, 0), sqlite3_column_int64(s, 1), column_text(s, 2), column_text(s, 3), column_text(s, 4)});
  });
  return out;
}

int64_t ResultStore::merge_from(const std::string& other) {
  ResultStore src(other, Mode::ReadOnly);
  int64_t n = 0;
  const auto have = fingerprints();
  exec("BEGIN");
  for (const auto& r : src.all()) {
    if (have.count(r.fingerprint)) continue;
    insert(r);
    ++n;
  }
  exec("COMMIT");
  if (src.has_table("requests")) {
    // The requests of the scenarios this database has no records of.
    create_requests_table();
    Statement at(db_, "ATTACH DATABASE ? AS src");
    sqlite3_bind_text(at.get(), 1, other.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(at.get()) != SQLITE_DONE) throw std::runtime_error(path_ + ": " + sqlite3_errmsg(db_));
    exec(
        "INSERT INTO requests SELECT * FROM src.requests WHERE fingerprint NOT IN "
        "(SELECT DISTINCT fingerprint FROM main.requests)");
    exec("DETACH DATABASE src");
  }
  return n;
}

bool ResultStore::has_table(const std::string& name, const std::string& schema) const {
  Statement st(db_, "SELECT 1 FROM " + schema + ".sqlite_master WHERE type = 'table' AND name = ?");
  sqlite3_bind_text(st.get(), 1, name.c_str(), -1, SQLITE_TRANSIENT);
  return sqlite3_step(st.get()) == SQLITE_ROW;
}

void ResultStore::create_requests_table() const {
  exec(
      "CREATE TABLE IF NOT EXISTS requests (fingerprint TEXT, id INTEGER, stream INTEGER, arrival_s REAL, "
      "first_token_s REAL, finish_s REAL, input_tokens INTEGER, output_tokens INTEGER, generated_tokens INTEGER, "
      "cached_tokens INTEGER, instance INTEGER, decode_instance INTEGER, retries INTEGER, preemptions INTEGER, "
      "status TEXT, rejection_reason TEXT)");
  exec("CREATE INDEX IF NOT EXISTS requests_by_fingerprint ON requests (fingerprint)");
}

std::set<std::string> ResultStore::fingerprints_with_requests() const {
  std::set<std::string> out;
  if (!has_table("requests")) return out;
  Statement st(db_, "SELECT DISTINCT fingerprint FROM requests");
  each_row(st.get(), [&](sqlite3_stmt* s) { out.insert(column_text(s, 0)); });
  return out;
}

void ResultStore::insert_with_requests(const StoredResult& r, const std::string& csv) {
  create_requests_table();
  exec("BEGIN");
  try {
    insert(r, true);
    Statement del(db_, "DELETE FROM requests WHERE fingerprint = ?");
    sqlite3_bind_text(del.get(), 1, r.fingerprint.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(del.get()) != SQLITE_DONE) throw std::runtime_error(path_ + ": " + sqlite3_errmsg(db_));
    Statement st(db_, "INSERT INTO requests VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    read_csv(csv, [&](const std::vector<std::string>& cells) {
      // RequestLog's columns: scenario first (the fingerprint stands for it here).
      sqlite3_reset(st.get());
      sqlite3_clear_bindings(st.get());
      sqlite3_bind_text(st.get(), 1, r.fingerprint.c_str(), -1, SQLITE_TRANSIENT);
      for (size_t i = 1; i < cells.size() && i < 16; ++i) {
        const std::string& v = cells[i];
        if (v.empty() && i != 15)
          sqlite3_bind_null(st.get(), int(i) + 1);  // a time never reached, no instance
        else if (i == 14 || i == 15)
          sqlite3_bind_text(st.get(), int(i) + 1, v.c_str(), -1, SQLITE_TRANSIENT);
        else if (i == 3 || i == 4 || i == 5)
          sqlite3_bind_double(st.get(), int(i) + 1, std::strtod(v.c_str(), nullptr));
        else
          sqlite3_bind_int64(st.get(), int(i) + 1, std::strtoll(v.c_str(), nullptr, 10));
      }
      if (sqlite3_step(st.get()) != SQLITE_DONE)
        throw std::runtime_error("cannot write to " + path_ + ": " + sqlite3_errmsg(db_));
    });
    exec("COMMIT");
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

namespace {

void flatten(const nlohmann::json& j, const std::string& prefix, std::map<std::string, std::string>* out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      // A fleet's merge inputs (latency sketches, a rate per cluster): no columns of their own.
      if (!(prefix.empty() && (it.key() == "distributions" || it.key() == "cluster_rates_per_s")))
        flatten(*it, prefix.empty() ? it.key() : prefix + "." + it.key(), out);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) flatten(j[i], prefix + "." + std::to_string(i), out);
  } else if (j.is_string()) {
    (*out)[prefix] = j.get<std::string>();
  } else {
    (*out)[prefix] = j.dump();
  }
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

std::string default_results_path(const std::string& file) {
  std::string db = file;
  if (db.size() > 5 && db.substr(db.size() - 5) == ".yaml") db.resize(db.size() - 5);
  return db + ".db";
}

std::string results_to_csv(const std::vector<StoredResult>& results) {
  std::vector<std::map<std::string, std::string>> rows;
  std::set<std::string> inputs, metrics;
  for (const auto& r : results) {
    std::map<std::string, std::string> in, m;
    flatten(nlohmann::json::parse(r.inputs), "", &in);
    flatten(nlohmann::json::parse(r.summary), "", &m);
    std::map<std::string, std::string> row;
    for (const auto& [k, v] : in) {
      inputs.insert(k);
      row["input." + k] = v;
    }
    for (const auto& [k, v] : m) {
      metrics.insert(k);
      row[k] = v;
    }
    row["fingerprint"] = r.fingerprint;
    row["sweep_index"] = std::to_string(r.index);
    row["scenario_name"] = r.scenario;
    rows.push_back(std::move(row));
  }
  std::vector<std::string> cols = {"fingerprint", "sweep_index", "scenario_name"};
  for (const auto& k : inputs) cols.push_back("input." + k);
  for (const auto& k : metrics) cols.push_back(k);
  std::ostringstream out;
  for (size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << csv_field(cols[i]);
  out << "\n";
  for (const auto& row : rows) {
    for (size_t i = 0; i < cols.size(); ++i) {
      auto it = row.find(cols[i]);
      out << (i ? "," : "") << (it == row.end() ? "" : csv_field(it->second));
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace stacksim
