#include <catch2/catch.hpp>
#include <cstdio>

#include "util/table.h"

using namespace stacksim;

TEST_CASE("a table fits its columns, left-aligns the first, and rules off its header", "[table]") {
  Table t({"case", "metric", "error"});
  t.add({"cloudmatrix", "tpot_ms", "+0.8%"}).add({"h800", "input_tokens", "-12.5%"});
  CHECK(t.str() ==
        "case        |       metric |  error\n"
        "------------+--------------+-------\n"
        "cloudmatrix |      tpot_ms |  +0.8%\n"
        "h800        | input_tokens | -12.5%\n");
}

TEST_CASE("a table's rows may be shorter or longer than its header", "[table]") {
  // As in the run report without scenarios, or a ragged row.
  CHECK(Table({"scenario"}).add({"platform"}).str() == "scenario\n--------\nplatform\n");
  Table t({"a", "b"});
  t.add({"xyz"}).add({"1", "2", "345"});
  CHECK(t.str() == "a   | b\n----+---+----\nxyz\n1   | 2 | 345\n");
}

TEST_CASE("a table with fixed widths prints as printf's field widths do", "[table]") {
  Table t({"platform", "chips", "$/hour"});
  t.fixed_widths({12, 6, 8}).separators(" ", "");
  t.add({"h800-hgx", "64", strprintf("%.2f", 123.456)});
  t.add({"a-very-long-platform-name", "8", "1.00"});
  t.add({"b200", " none meets the SLO"});
  char expected[512];
  std::snprintf(expected, sizeof expected, "%-12s %6s %8s\n%-12s %6s %8.2f\n%-12s %6s %8s\n%-12s  none meets the SLO\n",
                "platform", "chips", "$/hour", "h800-hgx", "64", 123.456, "a-very-long-platform-name", "8", "1.00",
                "b200");
  CHECK(t.str() == expected);
}

TEST_CASE("a table's alignment can be set per column", "[table]") {
  Table t({"n", "name"});
  t.align({Align::Right, Align::Left}).add({"10", "x"});
  CHECK(t.str() == " n | name\n---+-----\n10 | x   \n");
}

TEST_CASE("strprintf formats like printf, however long the result", "[table]") {
  CHECK(strprintf("%+.1f%%", 12.34) == "+12.3%");
  CHECK(strprintf("%s", std::string(300, 'x').c_str()).size() == 300);
  CHECK(strprintf("%s", "").empty());
}
