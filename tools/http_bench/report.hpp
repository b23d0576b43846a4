// What http_bench prints: a preamble, then the table a row at a time as the runs end.
#pragma once

#include <cstddef>
#include <string>

#include "scenarios.hpp"
#include "wrk.hpp"

namespace http_bench {

// One server's run in one scenario.
struct measurement {
  const scenario* where = nullptr;
  std::string server;   // its name
  wrk_totals load;      // what wrk counted
  double cpu = 0;       // the server's CPU seconds in the run
  std::string failure;  // why it could not be measured ("" if it was)
};

// print_header() prints the table's column titles; `name_width` is the widest server name's.
void print_header(std::size_t name_width);

// print_row() prints `m`'s row; `raw` is the baseline's measurement in the same scenario (`m`
// itself on the baseline's row), to which its CPU per request is compared.
void print_row(const measurement& m, const measurement& raw, std::size_t name_width);

}  // namespace http_bench
