// response_parser (http/parser.hpp): the status line, framing by status and request method
// (1xx, 204, 304, HEAD, CONNECT, until close), keep-alive, and 502 for every broken response.
#include <doctest/doctest.h>

#include <string>

#include "cases.hpp"
#include "http/parser.hpp"
#include "transcript.hpp"

using namespace eventlet::http;

namespace {

// The status parse_error carries for `message` given whole (0 if it parses, -1 if the head is
// incomplete).
int status_of(const std::string& message, const limits& l = {}) {
  response_parser p(l);
  try {
    return p.parse(message) ? 0 : -1;
  } catch (const parse_error& e) {
    return e.status();
  }
}

response_head parsed(const std::string& message, std::string_view method = "GET") {
  response_parser p;
  REQUIRE(p.parse(message, method) == message.size());
  return p.head();
}

}  // namespace

TEST_CASE("response: every rule, with its status") {
  for (const http_tests::response_case& c : http_tests::response_cases()) {
    const http_tests::reading r = http_tests::read_responses(c.bytes, {}, c.method);
    INFO(std::string(c.rule), "\n", r.text());
    CHECK(r.status == c.status);
    if (c.status == 0) CHECK(r.end == "end");
  }
}

TEST_CASE("response: the status line") {
  response_head h = parsed("HTTP/1.1 404 Not  Found \r\nServer: x\r\n\r\n");
  CHECK(h.status == 404);
  CHECK(h.reason == "Not  Found ");
  CHECK(h.minor_version == 1);
  CHECK(h.fields.get("server") == "x");
  h = parsed("HTTP/1.0 200 \r\n\r\n");
  CHECK(h.status == 200);
  CHECK(h.reason == "");
  CHECK(h.minor_version == 0);
  h = parsed("HTTP/1.1 599\r\n\r\n");
  CHECK(h.status == 599);
  CHECK(h.reason == "");
  CHECK(status_of("HTTP/1.1 200 OK") == -1);
  CHECK(status_of("HTTP/1.1 200 OK\r\n") == -1);
}

TEST_CASE("response: framing by status and request method") {
  const std::string v11 = "HTTP/1.1 ", v10 = "HTTP/1.0 ";
  struct row {
    std::string message;
    const char* method;
    body_kind body;
    std::uint64_t length;
    bool keep_alive;
  };
  for (const row& r : {
           row{v11 + "200 OK\r\nContent-Length: 5\r\n\r\n", "GET", body_kind::length, 5, true},
           row{v11 + "200 OK\r\nContent-Length: 0\r\n\r\n", "GET", body_kind::none, 0, true},
           row{v11 + "200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "GET", body_kind::chunked, 0,
               true},
           row{v11 + "200 OK\r\n\r\n", "GET", body_kind::until_close, 0, false},
           row{v11 + "200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n", "GET",
               body_kind::length, 1, false},
           row{v11 + "100 Continue\r\n\r\n", "POST", body_kind::none, 0, true},
           row{v11 + "101 Switching Protocols\r\nConnection: upgrade\r\n\r\n", "GET",
               body_kind::none, 0, true},
           row{v11 + "199 X\r\nContent-Length: 5\r\n\r\n", "GET", body_kind::none, 5, true},
           row{v11 + "204 No Content\r\n\r\n", "GET", body_kind::none, 0, true},
           row{v11 + "204 No Content\r\nContent-Length: 5\r\n\r\n", "GET", body_kind::none, 5,
               true},
           row{v11 + "304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", "GET",
               body_kind::none, 0, true},
           row{v11 + "205 Reset Content\r\nContent-Length: 0\r\n\r\n", "GET", body_kind::none, 0,
               true},
           row{v11 + "200 OK\r\nContent-Length: 5\r\n\r\n", "HEAD", body_kind::none, 5, true},
           row{v11 + "200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "HEAD", body_kind::none, 0,
               true},
           row{v11 + "404 Not Found\r\n\r\n", "HEAD", body_kind::none, 0, true},
           row{v11 + "200 Connection established\r\n\r\n", "CONNECT", body_kind::none, 0, true},
           row{v11 + "299 X\r\nContent-Length: 5\r\n\r\n", "CONNECT", body_kind::none, 5, true},
           row{v11 + "300 X\r\nContent-Length: 5\r\n\r\n", "CONNECT", body_kind::length, 5, true},
           row{v11 + "407 X\r\n\r\n", "CONNECT", body_kind::until_close, 0, false},
           row{v11 + "200 OK\r\nContent-Length: 5\r\n\r\n", "head", body_kind::length, 5, true},
           row{v10 + "200 OK\r\nContent-Length: 5\r\n\r\n", "GET", body_kind::length, 5, false},
           row{v10 + "200 OK\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\n", "GET",
               body_kind::length, 5, true},
           row{v10 + "200 OK\r\nConnection: keep-alive\r\n\r\n", "GET", body_kind::until_close, 0,
               false},
           row{v10 + "204 No Content\r\nConnection: keep-alive\r\n\r\n", "GET", body_kind::none, 0,
               true},
       }) {
    INFO(r.method, " ", r.message);
    const response_head h = parsed(r.message, r.method);
    CHECK(h.body == r.body);
    CHECK(h.content_length == r.length);
    CHECK(h.keep_alive == r.keep_alive);
  }
}

TEST_CASE("response: a 1xx head, then the final one") {
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  const std::string final = "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n";
  const std::string all = interim + final + "ok";
  response_parser p;
  const std::size_t n = p.parse(all, "PUT");
  REQUIRE(n == interim.size());
  CHECK(p.head().status == 100);
  CHECK(p.head().body == body_kind::none);
  p.reset();
  REQUIRE(p.parse(std::string_view(all).substr(n), "PUT") == final.size());
  CHECK(p.head().status == 201);
  CHECK(p.head().content_length == 2);
}

TEST_CASE("response: a coding other than chunked is 502, whatever the request") {
  for (const char* coding : {"gzip", "gzip, chunked", "deflate, chunked", "br", "identity",
                             "chunked, gzip", "chunked, chunked", "x"})
    for (const char* method : {"GET", "HEAD"}) {
      INFO(coding, " ", method);
      response_parser p;
      CHECK_THROWS_AS(
          p.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: " + std::string(coding) + "\r\n\r\n",
                  method),
          parse_error);
      CHECK(status_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: " + std::string(coding) +
                      "\r\n\r\n") == 502);
    }
}

TEST_CASE("response: limits are 502 too") {
  limits l;
  l.max_head = 40;
  CHECK(status_of("HTTP/1.1 200 OK\r\nA: 0123456789012345\r\n\r\n", l) == 0);  // 40 bytes
  CHECK(status_of("HTTP/1.1 200 OK\r\nA: 01234567890123456\r\n\r\n", l) == 502);
  CHECK(status_of("HTTP/1.1 200 OK\r\nA: 0123456789012345678901", l) == 502);
  l = limits();
  l.max_fields = 1;
  CHECK(status_of("HTTP/1.1 200 OK\r\nA: b\r\n\r\n", l) == 0);
  CHECK(status_of("HTTP/1.1 200 OK\r\nA: b\r\nB: c\r\n\r\n", l) == 502);
  l = limits();
  l.max_target = 1;  // no target in a response
  CHECK(status_of("HTTP/1.1 200 OK\r\n\r\n", l) == 0);
}
