// headers (http/headers.hpp): fields in order, case-insensitive lookup, repeated names, and
// add()/set() refusing what could smuggle a line into a message.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "http/headers.hpp"
#include "http/parser.hpp"

using namespace eventlet::http;

namespace {

std::vector<std::string> listed(const headers& h) {
  std::vector<std::string> out;
  for (const field f : h) out.push_back(std::string(f.name) + "=" + std::string(f.value));
  return out;
}

using strings = std::vector<std::string>;
using views = std::vector<std::string_view>;

}  // namespace

TEST_CASE("headers: fields in the order they were added, looked up without regard to case") {
  headers h;
  CHECK(h.empty());
  CHECK(h.begin() == h.end());
  h.add("Content-Type", "text/plain");
  h.add("Set-Cookie", "a=1");
  h.add("X-Empty", "");
  h.add("set-cookie", "b=2");
  CHECK(h.size() == 4);
  CHECK_FALSE(h.empty());
  CHECK(listed(h) ==
        strings{"Content-Type=text/plain", "Set-Cookie=a=1", "X-Empty=", "set-cookie=b=2"});
  CHECK(h.get("CONTENT-TYPE") == "text/plain");
  CHECK(h.get("set-cookie") == "a=1");
  CHECK(h.get("x-empty") == "");
  CHECK(h.get("Missing") == std::nullopt);
  CHECK(h.get_all("SET-COOKIE") == views{"a=1", "b=2"});
  CHECK(h.get_all("missing").empty());
  CHECK(h.count("Set-Cookie") == 2);
  CHECK(h.count("set-cookiE") == 2);
  CHECK(h.contains("x-empty"));
  CHECK_FALSE(h.contains("x-empt"));
  CHECK(h.at(3).name == "set-cookie");
  auto it = h.begin();
  CHECK((*it++).name == "Content-Type");
  CHECK((*it).name == "Set-Cookie");
  CHECK((*++it).name == "X-Empty");
}

TEST_CASE("headers: set() replaces every field of a name with one, at the end; erase() them") {
  headers h;
  h.add("A", "1");
  h.add("B", "2");
  h.add("a", "3");
  h.set("A", "4");
  CHECK(listed(h) == strings{"B=2", "A=4"});
  h.set("C", "5");
  CHECK(listed(h) == strings{"B=2", "A=4", "C=5"});
  CHECK(h.erase("b") == 1);
  CHECK(h.erase("b") == 0);
  CHECK(listed(h) == strings{"A=4", "C=5"});
  h.add("c", "6");
  CHECK(h.erase("C") == 2);
  CHECK(listed(h) == strings{"A=4"});
  h.clear();
  CHECK(h.empty());
  CHECK(h.get("a") == std::nullopt);
}

TEST_CASE("headers: set() in a loop keeps the values right (erased bytes are reclaimed)") {
  headers h;
  h.add("Keep", "k");
  const std::string big(1000, 'v');
  for (int i = 0; i < 100; ++i) h.set("X", big + std::to_string(i));
  CHECK(h.size() == 2);
  CHECK(h.get("keep") == "k");
  CHECK(h.get("x") == big + "99");
}

TEST_CASE("headers: has_token() reads comma-separated lists across fields") {
  headers h;
  h.add("Connection", "keep-alive, Upgrade");
  h.add("connection", ", close ,");
  h.add("Other", "close");
  CHECK(h.has_token("connection", "upgrade"));
  CHECK(h.has_token("CONNECTION", "Keep-Alive"));
  CHECK(h.has_token("connection", "CLOSE"));
  CHECK_FALSE(h.has_token("connection", "clos"));
  CHECK_FALSE(h.has_token("connection", "keep"));
  CHECK_FALSE(h.has_token("missing", "close"));
  CHECK(h.has_token("other", "close"));
}

TEST_CASE("headers: add() and set() refuse CR, LF, NUL and bad names, and change nothing") {
  headers h;
  h.add("A", "1");
  for (const std::string& value :
       {std::string("a\r\nInjected: yes"), std::string("a\nb"), std::string("a\rb"),
        std::string("a\0b", 3), std::string("\x01"), std::string("a\x7f"), std::string(" a"),
        std::string("a "), std::string("\ta"), std::string("a\t")}) {
    CHECK_THROWS_AS(h.add("B", value), std::invalid_argument);
    CHECK_THROWS_AS(h.set("A", value), std::invalid_argument);
  }
  for (const std::string& name :
       {std::string(""), std::string("A B"), std::string("A:"), std::string("A\r\nB"),
        std::string("A\0", 2), std::string("(A)"), std::string("A/B"), std::string("caf\xc3\xa9"),
        std::string(" A"), std::string("A\t")}) {
    CHECK_THROWS_AS(h.add(name, "v"), std::invalid_argument);
    CHECK_THROWS_AS(h.set(name, "v"), std::invalid_argument);
  }
  CHECK(listed(h) == strings{"A=1"});
  // What is allowed: every tchar in a name; tabs, spaces inside and obs-text in a value.
  h.add("!#$%&'*+-.^_`|~09azAZ", "a b\tc \xff");
  CHECK(h.get("!#$%&'*+-.^_`|~09AZaz") == "a b\tc \xff");
}

TEST_CASE("headers: append_to() writes lines the parser reads back the same") {
  headers h;
  h.add("Host", "x");
  h.add("A", "b c");
  h.add("Empty", "");
  h.add("A", "\xc3\xa9");
  std::string out = "GET / HTTP/1.1\r\n";
  h.append_to(out);
  CHECK(out == "GET / HTTP/1.1\r\nHost: x\r\nA: b c\r\nEmpty: \r\nA: \xc3\xa9\r\n");
  out += "\r\n";
  request_parser p;
  REQUIRE(p.parse(out) == out.size());
  CHECK(listed(p.head().fields) == listed(h));
}

TEST_CASE("headers: a copy is independent; fields parsed and added mix") {
  request_parser p;
  REQUIRE(p.parse("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\n\r\n") > 0);
  headers h = p.head().fields;
  h.add("B", "2");
  h.set("Host", "y");
  CHECK(listed(h) == strings{"A=1", "B=2", "Host=y"});
  CHECK(listed(p.head().fields) == strings{"Host=x", "A=1"});
}

TEST_CASE("iequals() compares ASCII without regard to case") {
  CHECK(iequals("Content-Length", "content-LENGTH"));
  CHECK(iequals("", ""));
  CHECK_FALSE(iequals("a", "ab"));
  CHECK_FALSE(iequals("[", "{"));  // 0x5B and 0x7B differ by 0x20 but are not letters
  CHECK_FALSE(iequals("\xc3\xa9", "\xc3\x89"));
}
