// A plain-text table: a header row and rows of cells, each cell padded to its column's
// width. By default the widths fit each column's widest cell, the first column is
// left-aligned and the others right-aligned, cells are joined by " | " and a rule joined
// by "-+-" follows the header:
//
//   case | metric | error
//   -----+--------+------
//   a    |   tpot | +0.8%
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace stacksim {

enum class Align { Left, Right };

class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // The alignment of the first columns; the others keep the default.
  Table& align(std::vector<Align> columns);
  // Fixed widths, like printf's "%-22s %8s": each cell is padded to its column's width
  // on its own, and a longer cell widens only its own row.
  Table& fixed_widths(std::vector<size_t> widths);
  // Cells are joined by `between_cells`; the rule under the header (a '-' per character
  // of each column) is joined by `rule_joint`, and left out when that is empty.
  Table& separators(std::string between_cells, std::string rule_joint);

  // A row; it may have fewer cells than the header (only those are printed) or more.
  Table& add(std::vector<std::string> row);

  void print(std::ostream& out) const;
  std::string str() const;

 private:
  std::vector<size_t> widths() const;
  Align alignment(size_t column) const;

  std::vector<std::vector<std::string>> rows_;  // rows_[0]: the header
  std::vector<Align> align_;
  std::vector<size_t> fixed_;
  std::string between_ = " | ", joint_ = "-+-";
};

std::ostream& operator<<(std::ostream& out, const Table& t);

// printf into a string, for cells: strprintf("%.2f", x).
std::string strprintf(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace stacksim
