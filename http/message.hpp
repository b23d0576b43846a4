// The heads of HTTP/1.1 messages as the parser (parser.hpp) gives them, and how their bodies
// are framed.
#pragma once

#include <cstdint>
#include <string>

#include "headers.hpp"

namespace eventlet::http {

// How a message's body is delimited (RFC 9112 §6.3).
enum class body_kind {
  none,         // no body: a request without Content-Length or Transfer-Encoding, a response
                // to HEAD, a 1xx, 204 or 304 response
  length,       // Content-Length bytes
  chunked,      // Transfer-Encoding: chunked (chunked.hpp decodes it)
  until_close,  // a response read until the connection closes
};

struct request_head {
  std::string method;     // a token, as sent ("GET"; methods are case-sensitive)
  std::string target;     // the request-target, as sent ("/path?query", "*", "host:443", ...)
  int minor_version = 1;  // HTTP/1.<minor_version>: 0 or 1
  headers fields;
  body_kind body = body_kind::none;
  std::uint64_t content_length = 0;  // for body_kind::length
  bool keep_alive = true;  // HTTP/1.1 without "Connection: close", or HTTP/1.0 with keep-alive
  bool expect_continue = false;  // HTTP/1.1 with "Expect: 100-continue"
};

struct response_head {
  int status = 0;  // 100..999
  std::string reason;
  int minor_version = 1;
  headers fields;
  body_kind body = body_kind::none;
  std::uint64_t content_length = 0;
  bool keep_alive = true;  // the connection may carry another request after this response
};

}  // namespace eventlet::http
