// The server against clients that break the rules or take too long: malformed heads, a head
// dribbled in (slowloris), idle keep-alive connections, bodies above the limits, failing
// handlers, more connections than allowed.
#include <string>
#include <vector>

#include "../green/tls_helpers.hpp"
#include "base/log.hpp"
#include "coros/event.hpp"
#include "http/status.hpp"
#include "server_support.hpp"

using namespace eventlet;
using hub_tests::hub_test;
using server_tests::quick_options;
using server_tests::raw_client;
using server_tests::round_trip;
using server_tests::running_server;

namespace {

// The messages logged while it lives.
struct captured_log {
  std::vector<std::string> lines;
  log_handler previous;
  captured_log()
      : previous(
            set_log_handler([this](log_level, std::string_view m) { lines.emplace_back(m); })) {}
  ~captured_log() { set_log_handler(previous); }
  std::string all() const {
    std::string text;
    for (const std::string& l : lines) text += l + "\n";
    return text;
  }
};

void hello(http::request&, http::response& res) { res.send("hello"); }

}  // namespace

TEST_CASE_FIXTURE(hub_test, "http server: malformed requests get their status, then a close") {
  int calls = 0;
  running_server s([&calls](http::request&, http::response& res) {
    ++calls;
    res.send("served");
  });
  const std::string long_field = "X-Long: " + std::string(40 * 1024, 'a') + "\r\n";
  const struct {
    std::string request;
    int status;
  } cases[] = {
      {"GET / HTTP/1.1\r\n\r\n", 400},                        // no Host
      {"GET / HTTP/1.1\nHost: x\n\n", 400},                   // bare LF
      {"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400},  // obs-fold
      {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},            // space before the colon
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
      {"GET / HTTP/1.1\r\nHost: x\r\n" + long_field + "\r\n", 431},
      {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: zstd, chunked\r\n\r\n", 501},
      {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
  };
  for (const auto& c : cases) {
    CAPTURE(c.status);
    raw_client client(s.where);
    client.send(c.request);
    const auto r = client.response();
    CHECK(r.status == c.status);
    CHECK(r.fields.get("connection") == "close");
    CHECK(r.body == std::string(http::reason_phrase(c.status)) + "\n");
    CHECK(client.closed());
  }
  CHECK(calls == 0);
}

TEST_CASE_FIXTURE(hub_test, "http server: a head dribbled in is closed after the header timeout") {
  http::server_options o = quick_options();
  o.header_timeout = 0.3;
  int calls = 0;
  running_server s(
      [&calls](http::request&, http::response& res) {
        ++calls;
        res.send("served");
      },
      o);
  raw_client client(s.where);
  // One byte every 20 ms: the whole head would take 2 s, and each byte comes well within
  // any per-read timeout; the head's deadline is what ends it.
  const std::string head =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(60, 's') + "\r\n\r\n";
  auto dribbling = spawn([&client, &head] {
    for (const char c : head) {
      client.send({&c, 1});
      eventlet::sleep(0.02);
    }
  });
  CHECK(client.closed());
  dribbling.kill();
  CHECK(calls == 0);
}

TEST_CASE_FIXTURE(hub_test, "http server: a silent connection is closed after the header timeout") {
  http::server_options o = quick_options();
  o.header_timeout = 0.3;
  running_server plain(hello, o);
  green::tls_listener listener(green::listen({"127.0.0.1", 0}), tls_tests::test_server());
  running_server tls(listener, hello, o);  // its handshake has not begun either
  raw_client silent(plain.where), silent_tls(tls.where);
  CHECK(silent.closed());
  CHECK(silent_tls.closed());
  CHECK(plain.server.connections() == 0);
  CHECK(tls.server.connections() == 0);
}

TEST_CASE_FIXTURE(hub_test, "http server: a body that stops coming times the read out") {
  http::server_options o = quick_options();
  o.body_timeout = 0.3;
  captured_log log;
  bool timed_out = false;
  running_server s(
      [&timed_out](http::request& req, http::response& res) {
        try {
          req.read_all();
        } catch (const timeout_error&) {
          timed_out = true;
          throw;
        }
        res.send("never");
      },
      o);
  raw_client client(s.where);
  client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf");
  CHECK(client.rest().empty());  // closed without a response
  CHECK(timed_out);
  CHECK(log.lines.empty());  // the client's doing, not the handler's
}

TEST_CASE_FIXTURE(hub_test, "http server: a client that does not read times the send out") {
  http::server_options o = quick_options();
  o.send_timeout = 0.3;
  bool timed_out = false;
  running_server s(
      [&timed_out](http::request&, http::response& res) {
        const std::string block(1 << 20, 'z');
        try {
          for (int i = 0; i < 1000; ++i) res.write(block);  // far more than socket buffers hold
        } catch (const timeout_error&) {
          timed_out = true;
          throw;
        }
      },
      o);
  raw_client client(s.where);
  client.socket().set_receive_buffer(4096);
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  // (Reading what the kernel holds through that small window would take long: the test only
  // checks that the server gave the connection up.)
  for (int i = 0; i < 600 && (!timed_out || s.server.connections() > 0); ++i)
    eventlet::sleep(0.05);  // a guard, not a check
  CHECK(timed_out);
  CHECK(s.server.connections() == 0);
}

TEST_CASE_FIXTURE(hub_test, "http server: an idle keep-alive connection is closed") {
  http::server_options o = quick_options();
  o.idle_timeout = 0.2;
  running_server s(hello, o);
  raw_client client(s.where);
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto r = client.response();
  CHECK(r.body == "hello");
  CHECK(r.keep_alive);
  CHECK(client.closed());  // after the idle timeout, without a response
}

TEST_CASE_FIXTURE(hub_test, "http server: read_all() above the limit is a 413") {
  http::server_options o = quick_options();
  o.max_body = 1000;
  running_server s(
      [](http::request& req, http::response& res) {
        if (req.path() == "/small")
          res.send(std::to_string(req.read_all(10).size()));
        else
          res.send(std::to_string(req.read_all().size()));
      },
      o);
  const std::string ok = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n";
  CHECK(round_trip(s.where, ok + std::string(1000, 'a')).body == "1000");
  const struct {
    std::string request;
  } too_large[] = {
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n"},  // refused before reading
      {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n" +
       std::string(1001, 'c') + "\r\n0\r\n\r\n"},
      {"POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890"},
  };
  for (const auto& c : too_large) {
    raw_client client(s.where);
    client.send(c.request);
    const auto r = client.response();
    CHECK(r.status == 413);
    CHECK(r.fields.get("connection") == "close");
    CHECK(client.closed());
  }
}

TEST_CASE_FIXTURE(hub_test, "http server: an unread body is drained up to the limit") {
  http::server_options o = quick_options();
  o.drain_limit = 1000;
  running_server s(hello, o);  // never reads the body
  raw_client client(s.where);
  // Within the limit: drained, and the connection serves the next request.
  client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
              std::string(1000, 'a'));
  CHECK(client.response().keep_alive);
  client.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
              std::string("3e8\r\n") + std::string(1000, 'a') + "\r\n0\r\n\r\n");
  CHECK(client.response().keep_alive);
  // Above it, with a length: the response says it closes.
  client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n");
  const auto r = client.response();
  CHECK(r.body == "hello");
  CHECK(r.fields.get("connection") == "close");
  CHECK(client.closed());
  // Above it, chunked: the length is found out while draining; the connection closes.
  raw_client chunked(s.where);
  chunked.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
               std::string(2048, 'b') + "\r\n0\r\n\r\n");
  CHECK(chunked.response().body == "hello");
  CHECK(chunked.closed());
}

TEST_CASE_FIXTURE(hub_test, "http server: a handler's exception is a 500 that shows nothing") {
  captured_log log;
  running_server s([](http::request&, http::response&) {
    throw std::runtime_error("secret detail of the failure");
  });
  raw_client client(s.where);
  client.send("GET /fails HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto r = client.response();
  CHECK(r.status == 500);
  CHECK(r.body == "Internal Server Error\n");
  CHECK(r.fields.get("connection") == "close");
  CHECK(client.closed());
  REQUIRE(log.lines.size() == 1);
  CHECK(log.lines[0].find("\"GET /fails\"") != std::string::npos);
  CHECK(log.lines[0].find("secret detail of the failure") != std::string::npos);
}

TEST_CASE_FIXTURE(hub_test, "http server: an exception after the head closes the connection") {
  captured_log log;
  running_server s([](http::request&, http::response& res) {
    res.write("partial ");
    throw std::runtime_error("failed while streaming");
  });
  raw_client client(s.where);
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string got = client.rest();  // the server closes
  CHECK(got.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(got.ends_with("\r\n8\r\npartial \r\n"));  // no last chunk: the client sees it cut
  CHECK(log.all().find("failed while streaming") != std::string::npos);
}

TEST_CASE_FIXTURE(hub_test, "http server: max_connections bounds the connections served") {
  http::server_options o = quick_options();
  o.max_connections = 2;
  running_server s(hello, o);
  std::vector<raw_client> held;
  for (int i = 0; i < 2; ++i) {
    held.emplace_back(s.where);
    held.back().send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(held.back().response().body == "hello");
  }
  CHECK(s.server.connections() == 2);
  raw_client third(s.where);  // in the backlog: not accepted while two are open
  third.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  third.socket().set_timeout(0.3);
  CHECK_THROWS_AS(third.socket().recv(1), timeout_error);
  third.socket().set_timeout(10);
  held.front().socket().close();  // a slot frees: the third is served
  CHECK(third.response().body == "hello");
  CHECK(s.server.connections() == 2);
}

TEST_CASE_FIXTURE(hub_test, "http server: max_requests ends a connection with Connection: close") {
  http::server_options o = quick_options();
  o.max_requests = 2;
  running_server s(hello, o);
  raw_client client(s.where);
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(client.response().fields.get("connection") == std::nullopt);
  CHECK(client.response().fields.get("connection") == "close");
  CHECK(client.closed());
}
