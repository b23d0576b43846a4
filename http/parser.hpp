// The HTTP/1.1 head parsers (RFC 9112), strict and with no I/O: they read bytes a connection
// has received and give a request_head or response_head (message.hpp), or throw parse_error
// with the status a server answers. The server and the client share them; chunked.hpp decodes
// chunked bodies.
//
//   http::request_parser p;
//   std::string buffer;
//   std::size_t head_size;
//   while ((head_size = p.parse(buffer)) == 0) buffer += conn.recv(4096);
//   http::request_head& head = p.head();  // the body starts at buffer[head_size]
//
// What is refused (the status says which rule): a bare LF or CR anywhere in the head; obs-fold and
// whitespace before the first field or before a colon; control bytes (NUL included) in the method,
// target, reason or values; a field name that is empty or not a token; a line without a colon;
// HTTP/0.9 and versions but 1.0 and 1.1 (505 for 2.0 and above); a missing or repeated Host in 1.1,
// a repeated one in 1.0, one that is not a host and a port (RFC 9112 §3.2: "a/b", "u@h", "h:8x"); a
// Content-Length that is not plain digits, overflows, or repeats with another value; Content-Length
// with Transfer-Encoding; Transfer-Encoding in 1.0; a coding list whose last coding is not chunked,
// or applies chunked twice (501 for codings this library does not decode); a target above
// limits::max_target (414); a head above limits::max_head or with more than limits::max_fields
// fields (431). What RFC 9112 allows is accepted: one empty line before the request line,
// "Content-Length: 005", codings in any case ("CHUNKED").
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "../base/export.hpp"
#include "message.hpp"

namespace eventlet::http {

// parse_error: a message that breaks HTTP/1.1's syntax or framing rules (or a limit). status()
// is what a server answers before it closes the connection: 400, 413, 414, 431, 501 or 505; a
// client's parser uses 502 for a broken response.
class EVENTLET_API parse_error : public std::runtime_error {
 public:
  parse_error(int status, const std::string& what) : std::runtime_error(what), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

// The bounds that keep a peer from holding unbounded memory.
struct limits {
  std::size_t max_target = 8 * 1024;     // request-target bytes (414)
  std::size_t max_head = 32 * 1024;      // start line and fields, CRLFs included (431)
  std::size_t max_fields = 100;          // fields in a head (431)
  std::size_t max_chunk_line = 1024;     // a chunk-size line with its extensions, no CRLF (400)
  std::size_t max_trailers = 16 * 1024;  // a trailer section, CRLFs and empty line included (431)
};

namespace detail {
// Finds where a head ends, scanning each byte once across calls. It reports the first broken
// rule in the order of the bytes, so that a head fails alike however its bytes arrive.
class head_scanner {
 public:
  // scan() returns the head's size once its empty line has come, else 0. Throws parse_error:
  // for a request, 414 (a target above `max_target`, even before its line ends), 431 (a head
  // above `max_head` bytes or `max_fields` fields) or 400 (a bare LF, an empty line where the
  // request line belongs); for a response, 502 for all of them.
  std::size_t scan(std::string_view data, const limits& l, bool request);
  void reset() noexcept { *this = head_scanner(); }
  // Where the head's first line starts (after an allowed empty line).
  std::size_t start() const noexcept { return start_; }

 private:
  std::size_t pos_ = 0, line_ = 0, start_ = 0, lines_ = 0;
};
}  // namespace detail

class EVENTLET_API request_parser {
 public:
  explicit request_parser(const limits& l = {}) : limits_(l) {}
  // parse() reads a request head from `data`, the bytes of the request received so far from
  // its first byte (each call gets the bytes of the last one and perhaps more). Returns 0
  // while the head is incomplete, else its size in bytes (the body starts there): head()
  // holds it then. Each byte is scanned once across calls. Throws parse_error.
  std::size_t parse(std::string_view data);
  // head() is the request head parse() read (valid once parse() returned > 0).
  request_head& head() noexcept { return head_; }
  // reset() makes it ready for the next request.
  void reset() noexcept { scanner_.reset(); }
  const limits& bounds() const noexcept { return limits_; }

 private:
  limits limits_;
  detail::head_scanner scanner_;
  request_head head_;
};

class EVENTLET_API response_parser {
 public:
  explicit response_parser(const limits& l = {}) : limits_(l) {}
  // parse() is request_parser::parse() for the response to a request with `request_method`,
  // which decides its framing (a response to HEAD has no body, nor a 2xx to CONNECT). A 1xx
  // response is a head of its own: the final one follows it. Throws parse_error (status 502),
  // also for a Transfer-Encoding other than "chunked".
  std::size_t parse(std::string_view data, std::string_view request_method = "GET");
  response_head& head() noexcept { return head_; }
  void reset() noexcept { scanner_.reset(); }

 private:
  limits limits_;
  detail::head_scanner scanner_;
  response_head head_;
};

}  // namespace eventlet::http
