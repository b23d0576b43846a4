// What a reader of a connection sees in a stream of HTTP/1.1 bytes: each message's head, its
// body and trailers, then how the stream ended ("end", "incomplete ...", or an error and its
// status). The split-invariance tests and the fuzzers read the same bytes whole and arriving in
// pieces and require the same reading; the Beast differential compares our reading with
// Beast's. The parsers' contract (each parse() call gets the bytes of the last one and more)
// is followed as a server or client following it would.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/parser.hpp"

namespace http_tests {

using field_list = std::vector<std::pair<std::string, std::string>>;

// One message as read.
struct message {
  std::string start;  // the start line: "GET / HTTP/1.1", "HTTP/1.1 200 OK"; "" for a body alone
  std::size_t head_size = 0;
  field_list fields;
  std::string framing;  // "none", "length <n>", "chunked" or "until-close"
  bool keep_alive = false, expect_continue = false;
  std::string body;
  field_list trailers;
  bool whole = false;  // its body was read to its end
  bool operator==(const message&) const = default;
};

struct reading {
  std::vector<message> messages;
  std::string end;   // "end", "incomplete head", "incomplete body" or "error"
  int status = 0;    // the parse_error's status after "error"
  std::string rest;  // for read_chunked(): the bytes after the body
  bool operator==(const reading&) const = default;
  // text() writes it out, one line each for start lines, fields, framing, bodies and the end.
  std::string text() const;
};

// read_requests() reads `bytes` as a server does: request heads, bodies (Content-Length or
// chunked) with their trailers, one request after another until an error or the end. The bytes
// arrive in pieces ending at each of `cuts` (positions, ascending), then the rest. Throws only
// what the parsers throw besides parse_error (a bug), or std::logic_error when a parser breaks
// its contract (a head size beyond the bytes given, a decoder consuming more than it got).
reading read_requests(std::string_view bytes, const std::vector<std::size_t>& cuts,
                      const eventlet::http::limits& l = {});

// read_responses() reads `bytes` as a client does the responses to requests with `method`
// (each 1xx head is followed by another); throws as read_requests() does.
reading read_responses(std::string_view bytes, const std::vector<std::size_t>& cuts,
                       std::string_view method, const eventlet::http::limits& l = {});

// read_chunked() reads `bytes` as a chunked body, its trailers and the bytes after it (one
// message with no start line); throws as read_requests() does.
reading read_chunked(std::string_view bytes, const std::vector<std::size_t>& cuts,
                     const eventlet::http::limits& l = {});

// every_byte() is the cuts of bytes arriving one at a time.
std::vector<std::size_t> every_byte(std::size_t size);

// printable() writes `bytes` with C escapes for what is not printable ASCII.
std::string printable(std::string_view bytes);

}  // namespace http_tests
