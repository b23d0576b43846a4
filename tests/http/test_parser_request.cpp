// request_parser (http/parser.hpp): each rule with the status a server answers, the head it
// gives, framing and keep-alive, limits, pipelining and the parse() contract.
#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "cases.hpp"
#include "http/parser.hpp"
#include "transcript.hpp"

using namespace eventlet::http;

namespace {

// The status parse_error carries for `message` given whole to parse() (0 if it parses; -1 if
// the head is incomplete).
int status_of(const std::string& message, const limits& l = {}) {
  request_parser p(l);
  try {
    return p.parse(message) ? 0 : -1;
  } catch (const parse_error& e) {
    CHECK(std::string(e.what()) != "");
    return e.status();
  }
}

request_head parsed(const std::string& message) {
  request_parser p;
  REQUIRE(p.parse(message) == message.size());
  return p.head();
}

}  // namespace

TEST_CASE("request: every rule, with the status a server answers") {
  for (const http_tests::request_case& c : http_tests::request_cases()) {
    const http_tests::reading r = http_tests::read_requests(c.bytes, {});
    INFO(std::string(c.rule), "\n", r.text());
    CHECK(r.status == c.status);
    if (c.status == 0) CHECK(r.end == "end");
  }
}

TEST_CASE("request: the head, as it was sent") {
  const std::string m =
      "PATCH /a/b?c=d&e HTTP/1.1\r\nHost: example.com\r\nX-A:  one \r\nx-a:two\r\n"
      "Empty:\r\nContent-Length: 3\r\n\r\nabc";
  request_parser p;
  REQUIRE(p.parse(m) == m.size() - 3);
  const request_head& h = p.head();
  CHECK(h.method == "PATCH");
  CHECK(h.target == "/a/b?c=d&e");
  CHECK(h.minor_version == 1);
  REQUIRE(h.fields.size() == 5);
  CHECK(h.fields.at(1).name == "X-A");
  CHECK(h.fields.at(1).value == "one");
  CHECK(h.fields.at(2).name == "x-a");
  CHECK(h.fields.get_all("X-a") == std::vector<std::string_view>{"one", "two"});
  CHECK(h.fields.get("empty") == "");
  CHECK(h.body == body_kind::length);
  CHECK(h.content_length == 3);
  CHECK(h.keep_alive);
  CHECK_FALSE(h.expect_continue);
}

TEST_CASE("request: framing, keep-alive and 100-continue") {
  const std::string v11 = "POST / HTTP/1.1\r\nHost: x\r\n", v10 = "POST / HTTP/1.0\r\n";
  struct row {
    std::string message;
    body_kind body;
    std::uint64_t length;
    bool keep_alive, expect_continue;
  };
  for (const row& r : {
           row{v11 + "\r\n", body_kind::none, 0, true, false},
           row{v11 + "Content-Length: 0\r\n\r\n", body_kind::none, 0, true, false},
           row{v11 + "Content-Length: 007\r\n\r\n", body_kind::length, 7, true, false},
           row{v11 + "Transfer-Encoding: chunked\r\n\r\n", body_kind::chunked, 0, true, false},
           row{v11 + "Transfer-Encoding: ChUnKeD\r\n\r\n", body_kind::chunked, 0, true, false},
           row{v11 + "Connection: close\r\n\r\n", body_kind::none, 0, false, false},
           row{v11 + "Connection: Upgrade, CLOSE\r\n\r\n", body_kind::none, 0, false, false},
           row{v11 + "Connection: keep-alive\r\n\r\n", body_kind::none, 0, true, false},
           row{v11 + "Expect: 100-continue\r\n\r\n", body_kind::none, 0, true, true},
           row{v11 + "Expect: 100-Continue\r\n\r\n", body_kind::none, 0, true, true},
           row{v11 + "Expect: something\r\n\r\n", body_kind::none, 0, true, false},
           row{v10 + "\r\n", body_kind::none, 0, false, false},
           row{v10 + "Connection: keep-alive\r\n\r\n", body_kind::none, 0, true, false},
           row{v10 + "Connection: Keep-Alive, close\r\n\r\n", body_kind::none, 0, false, false},
           row{v10 + "Expect: 100-continue\r\n\r\n", body_kind::none, 0, false, false},
           row{v10 + "Content-Length: 2\r\n\r\n", body_kind::length, 2, false, false},
       }) {
    INFO(r.message);
    const request_head h = parsed(r.message);
    CHECK(h.body == r.body);
    CHECK(h.content_length == r.length);
    CHECK(h.keep_alive == r.keep_alive);
    CHECK(h.expect_continue == r.expect_continue);
  }
}

TEST_CASE("request: Content-Length up to 2^64-1, then 400") {
  const std::string m = "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551615\r\n\r\n";
  CHECK(parsed(m).content_length == UINT64_MAX);
  CHECK(status_of("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551616\r\n\r\n") ==
        400);
}

TEST_CASE("request: pipelined heads, back to back in one buffer") {
  const std::string first = "GET /1 HTTP/1.1\r\nHost: x\r\nA: 1\r\n\r\n";
  const std::string second = "POST /2 HTTP/1.1\r\nHost: y\r\nContent-Length: 2\r\n\r\n";
  const std::string third = "\r\nGET /3 HTTP/1.0\r\n\r\n";
  const std::string all = first + second + "hi" + third;
  request_parser p;
  std::size_t at = p.parse(all);
  REQUIRE(at == first.size());
  CHECK(p.head().target == "/1");
  CHECK(p.head().fields.get("a") == "1");
  p.reset();
  const std::size_t n = p.parse(std::string_view(all).substr(at));
  REQUIRE(n == second.size());
  CHECK(p.head().method == "POST");
  CHECK(p.head().target == "/2");
  CHECK_FALSE(p.head().fields.contains("a"));  // nothing of the first head is left
  CHECK(p.head().content_length == 2);
  at += n + 2;
  p.reset();
  REQUIRE(p.parse(std::string_view(all).substr(at)) == third.size());
  CHECK(p.head().target == "/3");
  CHECK(p.head().minor_version == 0);
  CHECK(p.head().fields.empty());
  CHECK(p.head().body == body_kind::none);
}

TEST_CASE("request: parse() returns 0 until the head is whole, whatever the split") {
  const std::string m = "\r\nPOST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::size_t split = 0; split < m.size(); ++split) {
    request_parser p;
    CHECK(p.parse(std::string_view(m).substr(0, split)) == 0);
    REQUIRE(p.parse(m + "5\r\n") == m.size());
    CHECK(p.head().target == "/x");
  }
  request_parser p;
  CHECK(p.parse(std::string_view(m).substr(0, 10)) == 0);
  CHECK_THROWS_AS(p.parse(std::string_view(m).substr(0, 9)), std::invalid_argument);
}

TEST_CASE("request: the target's limit is 414, as soon as the target outgrows it") {
  limits l;
  l.max_target = 10;
  CHECK(status_of("GET /123456789 HTTP/1.1\r\nHost: x\r\n\r\n", l) == 0);
  CHECK(status_of("GET /1234567890 HTTP/1.1\r\nHost: x\r\n\r\n", l) == 414);
  CHECK(status_of("GET /123456789", l) == -1);
  CHECK(status_of("GET /1234567890", l) == 414);  // before the line ends
  CHECK(status_of("GET /1234567890\n", l) == 414);
  // The target ends at the first byte that cannot be in it: that is the rule broken then.
  CHECK(status_of("GET /1\x01"
                  "234567890 HTTP/1.1\r\nHost: x\r\n\r\n",
                  l) == 400);
  CHECK(status_of("GET /1\x01"
                  "234567890",
                  l) == -1);
  CHECK(status_of("GET /123456789 HTTP/1.1 and more\r\n\r\n", l) == 400);
  // A long method is no target.
  CHECK(status_of("GETTTTTTTTTTTT / HTTP/1.1\r\nHost: x\r\n\r\n", l) == 0);
}

TEST_CASE("request: the head's limits are 431: its size with CRLFs, its field count") {
  const std::string line = "GET / HTTP/1.1\r\n", host = "Host: x\r\n";
  limits l;
  l.max_head = line.size() + host.size() + 2;
  CHECK(status_of(line + host + "\r\n", l) == 0);
  CHECK(status_of(line + host + "A:\r\n\r\n", l) == 431);
  CHECK(status_of(line + host + "A:\r", l) == 431);  // before the head ends
  CHECK(status_of(line + host + "\r", l) == -1);
  CHECK(status_of("\r\n" + line + host + "\r\n", l) == 0);  // the empty line is not counted
  l = limits();
  l.max_fields = 3;
  CHECK(status_of(line + host + "A: 1\r\nB: 2\r\n\r\n", l) == 0);
  CHECK(status_of(line + host + "A: 1\r\nB: 2\r\nC: 3\r\n\r\n", l) == 431);
  CHECK(status_of(line + host + "A: 1\r\nB: 2\r\nC: 3\r\n", l) == 431);  // before it ends
}

TEST_CASE("request: the head is whole again after reset(), its fields its own") {
  request_parser p;
  REQUIRE(p.parse("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n") > 0);
  CHECK(p.head().expect_continue);
  p.reset();
  REQUIRE(p.parse("GET /b HTTP/1.1\r\nHost: y\r\n\r\n") > 0);
  const request_head& h = p.head();
  CHECK(h.fields.size() == 1);
  CHECK(h.fields.get("host") == "y");
  CHECK_FALSE(h.expect_continue);
  CHECK(h.keep_alive);
  CHECK(h.body == body_kind::none);
  const request_head copy = h;  // a copy's fields are its own
  p.reset();
  REQUIRE(p.parse("GET /c HTTP/1.1\r\nHost: z\r\n\r\n") > 0);
  CHECK(copy.fields.get("host") == "y");
}

TEST_CASE("request: a parse_error says which rule, and a bad message never gives a head") {
  request_parser p;
  try {
    p.parse("GET / HTTP/1.1\r\nHost: x\r\nA : b\r\n\r\n");
    FAIL("no parse_error");
  } catch (const parse_error& e) {
    CHECK(e.status() == 400);
    CHECK(std::string(e.what()).find("colon") != std::string::npos);
  }
}
