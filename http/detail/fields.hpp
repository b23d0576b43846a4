// Field lines (RFC 9112 §5), shared by the head parsers and the trailer section of chunked
// bodies.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "../headers.hpp"

namespace eventlet::http::detail {

// parse_fields() copies `section` (bytes whose lines each end in CRLF, the last one empty) into
// the storage of `out`, and parses its field lines from offset `from` on into it. Throws
// parse_error(`status`) naming the broken rule; `what` names the section ("header",
// "trailer").
void parse_fields(std::string_view section, std::size_t from, headers& out, int status,
                  const char* what);

// check_line() throws parse_error(`status`) if `line` (without its CRLF) holds a bare CR.
void check_no_cr(std::string_view line, int status);

}  // namespace eventlet::http::detail
