#include "serving/request_log.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace stacksim {

const char* RequestLog::header() {
  return "scenario,id,stream,arrival_s,first_token_s,finish_s,input_tokens,output_tokens,generated_tokens,"
         "cached_tokens,instance,decode_instance,retries,preemptions,status,rejection_reason";
}

std::string csv_cell(const std::string& value) {
  if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
  std::string q = "\"";
  for (char c : value) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

RequestLog::RequestLog(const std::string& path, std::string scenario, bool with_header)
    : out_(path, std::ios::binary | std::ios::trunc), path_(path), scenario_(csv_cell(scenario)) {
  if (!out_) throw std::runtime_error("cannot write " + path);
  if (with_header) out_ << header() << '\n';
}

namespace {

// Seconds with every digit a double holds (so that a reader recomputes latencies
// exactly), or an empty cell for "never".
std::string time_cell(double t) {
  if (t < 0) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", t);
  return buf;
}

std::string index_cell(int i) { return i < 0 ? std::string() : std::to_string(i); }

}  // namespace

void RequestLog::write(const Request& r, const char* status, double finish, const std::string& reason) {
  out_ << scenario_ << ',' << r.id << ',' << r.spec.stream << ',' << time_cell(r.spec.arrival) << ','
       << time_cell(r.first_token) << ',' << time_cell(finish) << ',' << r.spec.input_tokens << ','
       << r.spec.output_tokens << ',' << r.generated << ',' << r.cached_tokens << ',' << index_cell(r.instance) << ','
       << index_cell(r.decode_instance) << ',' << r.retries << ',' << r.preemptions << ',' << status << ','
       << csv_cell(reason) << '\n';
}

void read_csv(const std::string& path, const std::function<void(const std::vector<std::string>&)>& row) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::string> cells(1);
  bool quoted = false, any = false;
  for (char c; in.get(c);) {
    any = true;
    if (quoted) {
      if (c != '"')
        cells.back() += c;
      else if (in.peek() == '"')
        cells.back() += char(in.get());
      else
        quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else if (c == '\n') {
      row(cells);
      cells.assign(1, std::string());
      any = false;
    } else if (c != '\r') {
      cells.back() += c;
    }
  }
  if (any) row(cells);
}

void RequestLog::close() {
  out_.close();
  if (!out_) throw std::runtime_error("writing " + path_ + " failed: " + std::strerror(errno));
}

}  // namespace stacksim
