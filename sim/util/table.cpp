#include "util/table.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <sstream>

namespace stacksim {

Table::Table(std::vector<std::string> headers) { rows_.push_back(std::move(headers)); }

Table& Table::align(std::vector<Align> columns) {
  align_ = std::move(columns);
  return *this;
}

Table& Table::fixed_widths(std::vector<size_t> widths) {
  fixed_ = std::move(widths);
  return *this;
}

Table& Table::separators(std::string between_cells, std::string rule_joint) {
  between_ = std::move(between_cells);
  joint_ = std::move(rule_joint);
  return *this;
}

Table& Table::add(std::vector<std::string> row) {
  rows_.push_back(std::move(row));
  return *this;
}

std::vector<size_t> Table::widths() const {
  std::vector<size_t> w = fixed_;
  for (const auto& row : rows_) {
    if (w.size() < row.size()) w.resize(row.size(), 0);
    if (!fixed_.empty()) continue;
    for (size_t i = 0; i < row.size(); ++i) w[i] = std::max(w[i], row[i].size());
  }
  return w;
}

Align Table::alignment(size_t column) const {
  if (column < align_.size()) return align_[column];
  return column == 0 ? Align::Left : Align::Right;
}

void Table::print(std::ostream& out) const {
  const std::vector<size_t> w = widths();
  for (size_t r = 0; r < rows_.size(); ++r) {
    for (size_t i = 0; i < rows_[r].size(); ++i) {
      const std::string& s = rows_[r][i];
      const std::string pad(w[i] > s.size() ? w[i] - s.size() : 0, ' ');
      if (i) out << between_;
      out << (alignment(i) == Align::Left ? s + pad : pad + s);
    }
    out << '\n';
    if (r == 0 && !joint_.empty()) {
      for (size_t i = 0; i < w.size(); ++i) out << (i ? joint_ : "") << std::string(w[i], '-');
      out << '\n';
    }
  }
}

std::string Table::str() const {
  std::ostringstream out;
  print(out);
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const Table& t) {
  t.print(out);
  return out;
}

std::string strprintf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  std::string s(n > 0 ? size_t(n) : 0, '\0');
  if (n > 0) std::vsnprintf(&s[0], s.size() + 1, format, again);
  va_end(again);
  return s;
}

}  // namespace stacksim
