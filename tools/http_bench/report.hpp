// What http_bench prints of its measurements: the table, a row at a time.
#pragma once

#include <cstddef>

#include "rounds.hpp"

namespace http_bench {

// print_header() prints the table's column titles; `name_width` is the widest server name's.
void print_header(std::size_t name_width);

// print_row() prints `m`'s row; `raw` is the baseline's measurement in the same scenario (`m`
// itself on the baseline's row), to which its CPU per request is compared round by round.
void print_row(const measurement& m, const measurement& raw, std::size_t name_width);

}  // namespace http_bench
