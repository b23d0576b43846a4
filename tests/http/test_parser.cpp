// The head parsers (http/parser.hpp): what they accept, and each rule they enforce, with the
// status a server answers.
#include <doctest/doctest.h>

#include <string>

#include "http/parser.hpp"

using namespace eventlet::http;

namespace {

// The status parse_error carries for `message` given whole (0 if it parses).
int request_status(const std::string& message, const limits& l = {}) {
  request_parser p(l);
  try {
    p.parse(message);
  } catch (const parse_error& e) {
    return e.status();
  }
  return 0;
}

}  // namespace

TEST_CASE("a simple request") {
  request_parser p;
  const std::string m = "GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-Y:  z  \r\n\r\nbody";
  REQUIRE(p.parse(m) == m.size() - 4);
  request_head& h = p.head();
  CHECK(h.method == "GET");
  CHECK(h.target == "/a?b=c");
  CHECK(h.minor_version == 1);
  CHECK(h.fields.size() == 2);
  CHECK(h.fields.get("x-y") == "z");
  CHECK(h.body == body_kind::none);
  CHECK(h.keep_alive);
}

TEST_CASE("an incomplete head is reported as 0 until its end comes, each split alike") {
  const std::string m =
      "\r\nPOST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: CHUNKED\r\nConnection: close\r\n\r\n";
  for (std::size_t split = 0; split < m.size(); ++split) {
    request_parser p;
    CHECK(p.parse(std::string_view(m).substr(0, split)) == 0);
    REQUIRE(p.parse(m) == m.size());
    CHECK(p.head().body == body_kind::chunked);
    CHECK_FALSE(p.head().keep_alive);
  }
}

TEST_CASE("the rules, each with its status") {
  const std::string ok = "GET / HTTP/1.1\r\nHost: x\r\n";
  CHECK(request_status(ok + "\r\n") == 0);
  CHECK(request_status("GET / HTTP/1.1\nHost: x\r\n\r\n") == 400);       // bare LF
  CHECK(request_status("GET / HTTP/1.1\r\nHost: x\rY\r\n\r\n") == 400);  // bare CR
  CHECK(request_status(ok + "A: b\r\n c\r\n\r\n") == 400);               // obs-fold
  CHECK(request_status("GET / HTTP/1.1\r\n Host: x\r\n\r\n") == 400);
  CHECK(request_status(ok + "A : b\r\n\r\n") == 400);
  CHECK(request_status(ok + ": b\r\n\r\n") == 400);
  CHECK(request_status(ok + "A(: b\r\n\r\n") == 400);
  CHECK(request_status(ok + "GET / HTTP/1.1\r\n\r\n") == 400);  // no colon
  CHECK(request_status(ok + std::string("A: b\0c\r\n\r\n", 10)) == 400);
  CHECK(request_status("GET /\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == 505);
  CHECK(request_status("GET / HTTP/1.2\r\nHost: x\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1.1\r\n\r\n") == 400);
  CHECK(request_status(ok + "Host: y\r\n\r\n") == 400);
  CHECK(request_status(ok + "Content-Length: +5\r\n\r\n") == 400);
  CHECK(request_status(ok + "Content-Length: 99999999999999999999\r\n\r\n") == 400);
  CHECK(request_status(ok + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n") == 400);
  CHECK(request_status(ok + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n") == 0);
  CHECK(request_status(ok + "Content-Length: 005\r\n\r\n") == 0);
  CHECK(request_status(ok + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
  CHECK(request_status("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
  CHECK(request_status(ok + "Transfer-Encoding: chunked, gzip\r\n\r\n") == 400);
  CHECK(request_status(ok + "Transfer-Encoding: foo, chunked\r\n\r\n") == 501);
  CHECK(request_status(ok + "Transfer-Encoding: chunked, chunked\r\n\r\n") == 400);
  limits small;
  small.max_target = 10;
  CHECK(request_status("GET /0123456789 HTTP/1.1\r\nHost: x\r\n\r\n", small) == 414);
  CHECK(request_status("GET /01234567890123456789", small) == 414);
  CHECK(request_status(ok + "A: " + std::string(40000, 'a') + "\r\n\r\n") == 431);
}
