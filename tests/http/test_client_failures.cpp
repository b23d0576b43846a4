// What goes wrong: malformed responses (parse_error, the connection never reused), bodies cut
// short, servers that close kept-alive connections (a retry only where it is safe), timeouts,
// refused connections, and requests refused before anything is sent.
#include <limits>
#include <string>

#include "client_tests.hpp"
#include "coros/timeout.hpp"

using namespace eventlet;
using client_tests::failure_of;
using client_tests::python_server;
using client_tests::raw_server;
using hub_tests::hub_test;
using namespace std::string_literals;

namespace {

const char* const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

// A raw server that answers its first request with `reply` and every later one with `ok`.
raw_server first_answer(std::string reply) {
  return raw_server([reply](green::stream& s, const std::string&, int n) {
    s.write(n == 0 ? reply : ok);
    return true;
  });
}

}  // namespace

TEST_CASE_FIXTURE(
    hub_test, "client failures: a malformed response is a parse_error; its connection is closed") {
  const std::string replies[] = {
      "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",                   // bare LF
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n folded\r\n\r\nok",  // obs-fold
      "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok",             // version
      "HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok",              // status
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: "
      "chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n"s,
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
      "garbage\r\n\r\n",
  };
  for (const std::string& reply : replies) {
    INFO(reply);
    raw_server server = first_answer(reply);
    http::client c;
    CHECK(failure_of<http::parse_error>([&] { c.get(server.url("/")); }) != "");
    CHECK(c.idle_connections() == 0);
    CHECK(c.get(server.url("/")).body == "ok");  // on a new connection
    CHECK(server.connections() == 2);
  }
}

TEST_CASE_FIXTURE(hub_test, "client failures: malformed chunked framing is a parse_error(502)") {
  const char* const replies[] = {
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x2\r\nok\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nGET / HTTP/1.1\r\n\r\n",
  };
  for (const char* reply : replies) {
    INFO(reply);
    raw_server server = first_answer(reply);
    http::client c;
    http::client_response r = c.request("GET", server.url("/"));
    int status = 0;
    try {
      r.read_all(100);
    } catch (const http::parse_error& e) {
      status = e.status();
    }
    CHECK(status == 502);
    CHECK(failure_of<http::client_error>([&] { r.read(1); }).find("an earlier read failed") !=
          std::string::npos);
    CHECK(c.idle_connections() == 0);
    CHECK(c.get(server.url("/")).body == "ok");
    CHECK(server.connections() == 2);
  }
}

TEST_CASE_FIXTURE(hub_test, "client failures: a connection closed within the body") {
  raw_server length = raw_server([](green::stream& s, const std::string&, int) {
    s.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
    return false;
  });
  http::client c;
  http::client_response r = c.request("GET", length.url("/"));
  CHECK(failure_of<http::client_error>([&] { r.read_all(1000); }) ==
        "http: " + length.url("") + " closed the connection 90 bytes before the end of the body");

  raw_server chunked = raw_server([](green::stream& s, const std::string&, int) {
    s.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    return false;
  });
  http::client_response rc = c.request("GET", chunked.url("/"));
  CHECK(rc.read(100) == "hello");
  CHECK(failure_of<http::client_error>([&] {
          rc.read(100);
        }).find("in the middle of the chunked body") != std::string::npos);

  raw_server head = raw_server([](green::stream& s, const std::string&, int) {
    s.write("HTTP/1.1 200 OK\r\nContent-");
    return false;
  });
  CHECK(failure_of<http::client_error>([&] {
          c.get(head.url("/"));
        }).find("within a response head") != std::string::npos);

  raw_server silent = raw_server([](green::stream&, const std::string&, int) { return false; });
  CHECK(failure_of<http::client_error>([&] { c.get(silent.url("/")); }) ==
        "http: " + silent.url("") + " closed the connection before responding");
  CHECK(c.idle_connections() == 0);
}

TEST_CASE_FIXTURE(hub_test, "client failures: a kept-alive connection closed as a request came") {
  // The first request is answered; the second, on the same connection, is read and the
  // connection closed without an answer, as a server whose idle timeout just ran out does.
  raw_server server = raw_server([](green::stream& s, const std::string&, int n) {
    if (n == 1) return false;
    s.write(ok);
    return true;
  });
  http::client c;
  CHECK(c.get(server.url("/")).body == "ok");
  CHECK(c.idle_connections() == 1);
  // An idempotent request is sent again on a new connection.
  CHECK(c.get(server.url("/")).body == "ok");
  CHECK(server.connections() == 2);
  CHECK(server.requests() == 3);

  // A POST is not: it fails.
  raw_server again = raw_server([](green::stream& s, const std::string&, int n) {
    if (n == 1) return false;
    s.write(ok);
    return true;
  });
  CHECK(c.get(again.url("/")).body == "ok");
  CHECK(failure_of<http::client_error>([&] { c.post(again.url("/"), "x", "text/plain"); }) ==
        "http: " + again.url("") +
            " closed the connection before responding (a kept-alive connection)");
  CHECK(again.connections() == 1);
}

TEST_CASE_FIXTURE(hub_test, "client failures: bytes after a response: the connection is not kept") {
  raw_server server = first_answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA");
  http::client c;
  CHECK(c.get(server.url("/")).body == "ok");
  CHECK(c.idle_connections() == 0);
  CHECK(c.get(server.url("/")).body == "ok");
  CHECK(server.connections() == 2);
}

TEST_CASE_FIXTURE(hub_test, "client failures: Connection: close on either side") {
  raw_server server =
      first_answer("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
  http::client c;
  CHECK(c.get(server.url("/")).body == "ok");
  CHECK(c.idle_connections() == 0);
  http::headers h;
  h.add("Connection", "close");
  CHECK(c.get(server.url("/"), h).body == "ok");
  CHECK(c.idle_connections() == 0);
  CHECK(c.get(server.url("/")).body == "ok");
  CHECK(c.idle_connections() == 1);
  // HTTP/1.0 without keep-alive.
  raw_server old = first_answer("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
  CHECK(c.get(old.url("/")).body == "ok");
  CHECK(c.idle_connections() == 1);
}

TEST_CASE_FIXTURE(hub_test, "client failures: timeouts for the head, the body and the connection") {
  python_server server;
  http::client_options o;
  o.head_timeout = 0.3;
  o.body_timeout = 0.3;
  http::client c(o);
  CHECK(failure_of<timeout_error>([&] { c.get(server.url("/slow-head?s=3")); }) ==
        "http: no response head from " + server.url("") + " came within 0.3 s");
  http::client_response r = c.request("GET", server.url("/slow-body?s=3"));
  CHECK(r.read(10) == "01234");
  CHECK(failure_of<timeout_error>([&] { r.read(10); }) ==
        "http: no byte of the body from " + server.url("") + " came for 0.3 s");
  CHECK(c.idle_connections() == 0);

  // A TLS handshake that never ends counts in the connect timeout.
  green::socket mute = green::listen({"127.0.0.1", 0});
  const std::string mute_url = "https://" + mute.getsockname().to_string();
  http::client_options quick;
  quick.connect_timeout = 0.3;
  http::client q(quick);
  CHECK(failure_of<timeout_error>([&] { q.get(mute_url + "/"); }) ==
        "http: connecting to " + mute_url + " took more than 0.3 s");

  // A caller's own timeout passes through as it is.
  eventlet::timeout outer(0.2);
  try {
    c.get(server.url("/slow-head?s=3"));
    FAIL("no timeout");
  } catch (const timeout_error& e) {
    CHECK(e.source() == outer.id());
  }
}

TEST_CASE_FIXTURE(hub_test, "client failures: connection refused; a name with no address") {
  green::socket closed = green::listen({"127.0.0.1", 0});
  const std::string where = closed.getsockname().to_string();
  closed.close();
  http::client c;
  std::string what;
  try {
    c.get("http://" + where + "/");
  } catch (const std::system_error& e) {
    CHECK(e.code().value() == ECONNREFUSED);
    what = e.what();
  }
  CHECK(what.find("http: connecting to " + where) == 0);
  CHECK_THROWS_AS(c.get("http://no-such-host.invalid/"), green::dns_error);
}

TEST_CASE_FIXTURE(hub_test, "client failures: bad requests are refused before anything is sent") {
  http::client c;
  CHECK_THROWS_AS(c.get("ftp://example.com/"), std::invalid_argument);
  CHECK_THROWS_AS(c.get("http://exa mple.com/"), std::invalid_argument);
  CHECK_THROWS_AS(c.request("GE T", "http://127.0.0.1:1/"), std::invalid_argument);
  CHECK_THROWS_AS(c.request("CONNECT", "http://127.0.0.1:1/"), std::invalid_argument);
  http::headers h;
  h.add("Content-Length", "5");
  CHECK_THROWS_AS(c.request("POST", "http://127.0.0.1:1/", h, "hello"), std::invalid_argument);
  http::headers t;
  t.add("Transfer-Encoding", "chunked");
  CHECK_THROWS_AS(c.get("http://127.0.0.1:1/", t), std::invalid_argument);
  http::client_options o;
  o.body_timeout = 0;
  CHECK_THROWS_AS(http::client{o}, std::invalid_argument);
  o.body_timeout = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(http::client{o}, std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "client failures: read_all's bound") {
  python_server server;
  http::client c;
  http::client_response r = c.request("GET", server.url("/length/1000"));
  CHECK(failure_of<http::client_error>([&] { r.read_all(999); }).find("more than the 999") !=
        std::string::npos);
  http::client_response chunked = c.request("GET", server.url("/chunked/1000"));
  CHECK(failure_of<http::client_error>([&] {
          chunked.read_all(999);
        }).find("longer than the 999") != std::string::npos);
  http::client_response exact = c.request("GET", server.url("/chunked/1000"));
  CHECK(exact.read_all(1000).size() == 1000);
  http::client_options o;
  o.max_body = 10;
  CHECK_THROWS_AS(http::client(o).get(server.url("/length/11")), http::client_error);
}
