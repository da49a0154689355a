#include "workload/traces.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unordered_map>

#include "config/error.h"
#include "util/io.h"
#include "util/json_text.h"

namespace stacksim {

namespace {

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "2023-11-16 18:17:03.9799600" -> seconds since the epoch; false if malformed.
bool parse_timestamp(const std::string& s, double* out) {
  int y, mo, d, h, mi, consumed = 0;
  double sec;
  if (std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &consumed) != 6) return false;
  if (static_cast<size_t>(consumed) != s.size()) return false;
  // A day the month has (2023-02-30 is no date, not March 2nd).
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] + (mo == 2 && leap) || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      sec < 0 || sec >= 61 || y < 1970 || y > 9999)
    return false;
  *out = double(days_from_civil(y, mo, d)) * 86400.0 + h * 3600.0 + mi * 60.0 + sec;
  return true;
}

// Where a line of a trace is, for errors naming the file, the line and a field.
struct TraceLine {
  const std::string& path;
  int number;
  const std::string& text;

  // Fails at `field`, with the column where its key starts on the line.
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    const size_t at = text.find("\"" + field + "\"");
    throw ConfigError(path, number, at == std::string::npos ? 1 : int(at) + 1, field, what);
  }
};

// One row of a Mooncake trace: its timestamp (ms) and its request (arrival unset).
struct MooncakeRow {
  double timestamp_ms;
  RequestSpec request;
};

constexpr int64_t kMooncakeBlockTokens = 512;

const nlohmann::json& mooncake_field(const nlohmann::json& row, const TraceLine& at, const std::string& field) {
  auto it = row.find(field);
  if (it == row.end()) at.fail(field, "missing field");
  return *it;
}

int64_t mooncake_count(const nlohmann::json& row, const TraceLine& at, const std::string& field) {
  const nlohmann::json& v = mooncake_field(row, at, field);
  if (!v.is_number_unsigned() || v.get<uint64_t>() < 1 || v.get<uint64_t>() > (uint64_t(1) << 40))
    at.fail(field, "expected a whole number of tokens, at least 1, found " + json_text(v));
  return v.get<int64_t>();
}

MooncakeRow parse_mooncake_line(const TraceLine& at) {
  nlohmann::json row;
  try {
    row = nlohmann::json::parse(at.text);
  } catch (const nlohmann::json::parse_error& e) {
    const std::string what = e.what();
    const size_t col = what.find("column ");
    const size_t msg = what.find(": ", col == std::string::npos ? 0 : col);
    throw ConfigError(at.path, at.number, int(e.byte), "",
                      "not valid JSON: " + (msg == std::string::npos ? what : what.substr(msg + 2)));
  } catch (const nlohmann::json::exception& e) {
    // A number beyond double's range ("1e999"): out_of_range.406 names the literal.
    const std::string what = e.what();
    const size_t q = what.find('\'');
    const std::string literal = q == std::string::npos ? "" : what.substr(q + 1, what.find('\'', q + 1) - q - 1);
    const size_t col = literal.empty() ? std::string::npos : at.text.find(literal);
    throw ConfigError(at.path, at.number, col == std::string::npos ? 1 : int(col) + 1, "",
                      "not valid JSON: number out of range: " + (literal.empty() ? what : literal));
  }
  if (!row.is_object()) throw ConfigError(at.path, at.number, 1, "", "expected a JSON object");
  static const std::set<std::string> known = {"timestamp", "input_length", "output_length", "hash_ids"};
  for (const auto& kv : row.items())
    if (!known.count(kv.key()))
      at.fail(kv.key(), "unknown field (expected timestamp, input_length, output_length, hash_ids)");
  MooncakeRow out;
  const nlohmann::json& ts = mooncake_field(row, at, "timestamp");
  if (!ts.is_number() || ts.get<double>() < 0)
    at.fail("timestamp", "expected milliseconds from the start (a number >= 0), found " + json_text(ts));
  out.timestamp_ms = ts.get<double>();
  RequestSpec& r = out.request;
  r.input_tokens = mooncake_count(row, at, "input_length");
  r.output_tokens = mooncake_count(row, at, "output_length");
  const nlohmann::json& ids = mooncake_field(row, at, "hash_ids");
  const size_t started = size_t((r.input_tokens + kMooncakeBlockTokens - 1) / kMooncakeBlockTokens);
  if (!ids.is_array() || ids.size() != started)
    at.fail("hash_ids", "expected a list of " + std::to_string(started) +
                            " block ids (one per started 512-token block of input_length), found " +
                            (ids.is_array() ? std::to_string(ids.size()) + " ids" : json_text(ids)));
  const size_t full = size_t(r.input_tokens / kMooncakeBlockTokens);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i].is_number_unsigned() || ids[i].get<uint64_t>() >= (uint64_t(1) << 56))
      at.fail("hash_ids", "expected whole numbers below 2^56, found " + json_text(ids[i]));
    if (i < full) r.blocks.push_back(ids[i].get<uint64_t>());
  }
  return out;
}

// Mooncake's hash ids name a block together with everything before it (equal ids, equal
// prefixes), which the prefix cache relies on: each id must follow the same id (or start
// a prompt) wherever it appears.
class PrefixRule {
 public:
  void check(const TraceLine& at, const std::vector<uint64_t>& blocks) {
    for (size_t i = 0; i < blocks.size(); ++i) {
      const uint64_t before = i == 0 ? kStart : blocks[i - 1];
      const auto [it, added] = seen_.try_emplace(blocks[i], Seen{before, at.number});
      if (added || it->second.before == before) continue;
      at.fail("hash_ids", "block id " + std::to_string(blocks[i]) + " " + describe(before) + " here but " +
                              describe(it->second.before) + " on line " + std::to_string(it->second.line) +
                              " (equal ids must mean equal prefixes)");
    }
  }

 private:
  static constexpr uint64_t kStart = ~uint64_t(0);  // ids are below 2^56
  static std::string describe(uint64_t before) {
    return before == kStart ? "starts the prompt" : "follows " + std::to_string(before);
  }
  struct Seen {
    uint64_t before;
    int line;
  };
  std::unordered_map<uint64_t, Seen> seen_;
};

bool parse_count(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 12) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// A spreadsheet's CSV export may start with a UTF-8 byte-order mark: not part of the text.
void drop_bom(std::string* line) {
  if (line->compare(0, 3, "\xEF\xBB\xBF") == 0) line->erase(0, 3);
}

// A trace is streamed: any size, but a regular file (a FIFO would block, a device never end).
void check_trace_file(const std::string& path) {
  const std::string problem = input_problem(path, 0);
  if (!problem.empty() && problem != "does not exist")
    throw ConfigError(path, 0, 0, "", "cannot read it: it " + problem);
}

}  // namespace

std::vector<RequestSpec> read_azure_trace(const std::string& path, double time_scale, int64_t limit) {
  check_trace_file(path);
  std::ifstream in(path);
  if (!in) throw ConfigError(path, 0, 0, "", "cannot open trace file");
  std::string line;
  if (!std::getline(in, line)) throw ConfigError(path, 1, 1, "", "empty trace file");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  drop_bom(&line);
  if (line != "TIMESTAMP,ContextTokens,GeneratedTokens")
    throw ConfigError(path, 1, 1, "",
                      "expected the header TIMESTAMP,ContextTokens,GeneratedTokens, found \"" + line + "\"");
  std::vector<RequestSpec> rows;
  double first = 0, prev = 0;
  int lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string ts, ctx, gen, extra;
    std::getline(ss, ts, ',');
    std::getline(ss, ctx, ',');
    std::getline(ss, gen, ',');
    if (std::getline(ss, extra, ',')) throw ConfigError(path, lineno, 1, "", "expected 3 columns, found more");
    double t;
    if (!parse_timestamp(ts, &t))
      throw ConfigError(path, lineno, 1, "TIMESTAMP",
                        "expected a time such as 2023-11-16 18:17:03.97, found \"" + ts + "\"");
    RequestSpec r;
    if (!parse_count(ctx, &r.input_tokens) || r.input_tokens < 1)
      throw ConfigError(path, lineno, int(ts.size()) + 2, "ContextTokens",
                        "expected a positive whole number, found \"" + ctx + "\"");
    if (!parse_count(gen, &r.output_tokens) || r.output_tokens < 1)
      throw ConfigError(path, lineno, int(ts.size() + ctx.size()) + 3, "GeneratedTokens",
                        "expected a positive whole number, found \"" + gen + "\"");
    if (rows.empty()) first = prev = t;
    if (t < prev) throw ConfigError(path, lineno, 1, "TIMESTAMP", "timestamps must not decrease");
    prev = t;
    r.arrival = (t - first) / time_scale;
    rows.push_back(r);
    if (limit > 0 && static_cast<int64_t>(rows.size()) >= limit) break;
  }
  if (rows.empty()) throw ConfigError(path, lineno, 1, "", "the trace has no rows");
  return rows;
}

std::vector<RequestSpec> read_mooncake_trace(const std::string& path, double time_scale, int64_t limit) {
  check_trace_file(path);
  std::ifstream in(path);
  if (!in) throw ConfigError(path, 0, 0, "", "cannot open trace file");
  std::vector<RequestSpec> rows;
  double first = 0, prev = 0;
  int lineno = 0;
  std::string line;
  PrefixRule prefixes;
  while (std::getline(in, line)) {
    if (++lineno == 1) drop_bom(&line);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const TraceLine at{path, lineno, line};
    MooncakeRow row = parse_mooncake_line(at);
    prefixes.check(at, row.request.blocks);
    if (rows.empty()) first = prev = row.timestamp_ms;
    if (row.timestamp_ms < prev) at.fail("timestamp", "timestamps must not decrease");
    prev = row.timestamp_ms;
    row.request.arrival = (row.timestamp_ms - first) / 1000.0 / time_scale;
    rows.push_back(std::move(row.request));
    if (limit > 0 && static_cast<int64_t>(rows.size()) >= limit) break;
  }
  if (rows.empty()) throw ConfigError(path, lineno, 1, "", "the trace has no rows");
  return rows;
}

}  // namespace stacksim
