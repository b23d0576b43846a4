// The server's life: graceful shutdown with requests in flight and idle connections, a grace
// that runs out, shutdown from a handler, the function form killed; hijack(); the access log.
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <string>
#include <vector>

#include "coros/event.hpp"
#include "server_support.hpp"

using namespace eventlet;
using hub_tests::hub_test;
using server_tests::quick_options;
using server_tests::raw_client;
using server_tests::running_server;

TEST_CASE_FIXTURE(hub_test, "http server: shutdown lets a request in flight finish") {
  green::socket listener = green::listen({"127.0.0.1", 0});
  const green::address where = listener.getsockname();
  event<void> entered, release;
  http::server server(listener, [&](http::request& req, http::response& res) {
    if (req.path() == "/slow") {
      entered.send();
      release.wait();
    }
    res.send("done " + std::string(req.path()));
  });
  auto serving = spawn([&server] { server.serve(); });

  raw_client idle(where);  // kept alive after one request: closed at once by shutdown
  idle.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(idle.response().keep_alive);
  raw_client busy(where);
  busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  entered.wait();
  CHECK(server.connections() == 2);

  auto stopping = spawn([&server] { server.shutdown(10); });
  CHECK(idle.closed());
  CHECK(server.connections() == 1);
  CHECK(!stopping.dead());
  release.send();
  const auto r = busy.response();
  CHECK(r.body == "done /slow");
  CHECK(r.fields.get("connection") == "close");  // the last response on it
  CHECK(busy.closed());
  stopping.wait();
  serving.wait();  // serve() has returned
  CHECK(server.connections() == 0);
  // Nothing accepts any more: a new connection waits in the backlog, unanswered.
  raw_client late(where);
  late.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  late.socket().set_timeout(0.2);
  CHECK_THROWS_AS(late.socket().recv(1), timeout_error);
}

TEST_CASE_FIXTURE(hub_test, "http server: shutdown kills what outlasts its grace") {
  event<void> entered;
  running_server s([&entered](http::request&, http::response& res) {
    res.write("started ");
    entered.send();
    eventlet::sleep(60);  // never finishes by itself
  });
  raw_client client(s.where);
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  entered.wait();
  s.server.shutdown(0.1);
  CHECK(s.server.connections() == 0);
  CHECK(client.rest().ends_with("started \r\n"));  // cut: no last chunk, then the close
}

TEST_CASE_FIXTURE(hub_test, "http server: shutdown from a handler ends its own connection last") {
  running_server s([&s](http::request& req, http::response& res) {
    if (req.path() == "/stop") s.server.shutdown(5);
    res.send("bye");
  });
  raw_client client(s.where);
  client.send("GET /stop HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto r = client.response();
  CHECK(r.body == "bye");
  CHECK(r.fields.get("connection") == "close");
  CHECK(client.closed());
  s.serving.wait();
}

TEST_CASE_FIXTURE(hub_test, "http server: serve() twice, and bad options, are refused") {
  green::socket listener = green::listen({"127.0.0.1", 0});
  auto handler = [](http::request&, http::response&) {};
  http::server_options o;
  o.max_connections = 0;
  CHECK_THROWS_AS(http::server(listener, handler, o), std::invalid_argument);
  o = {};
  o.idle_timeout = 0;
  CHECK_THROWS_AS(http::server(listener, handler, o), std::invalid_argument);
  CHECK_THROWS_AS(http::server(listener, {}), std::invalid_argument);
  http::server server(listener, handler);
  server.shutdown(0);
  server.serve();  // returns at once: it was shut down
  CHECK_THROWS_AS(server.serve(), std::logic_error);
}

TEST_CASE_FIXTURE(hub_test, "http server: the function form stops when its greenthread is killed") {
  green::socket listener = green::listen({"127.0.0.1", 0});
  const green::address where = listener.getsockname();
  event<void> entered;
  auto serving = spawn([&] {
    http::serve(listener, [&entered](http::request&, http::response&) {
      entered.send();
      eventlet::sleep(60);
    });
  });
  raw_client client(where);
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  entered.wait();
  serving.kill();  // the connection's greenthread is killed with it
  CHECK(client.closed());
}

TEST_CASE_FIXTURE(hub_test, "http server: hijack() hands over the connection and what was read") {
  running_server s([](http::request& req, http::response& res) {
    CHECK(req.headers().get("upgrade") == "echo");
    res.set_status(101);
    res.headers().add("Connection", "Upgrade");
    res.headers().add("Upgrade", "echo");
    res.write_head();
    http::hijacked h = res.hijack();
    REQUIRE(h.connection.plain() != nullptr);
    CHECK(h.connection.plain()->getsockopt<int>(IPPROTO_TCP, TCP_NODELAY) != 0);  // server set it
    CHECK_THROWS_AS(res.write("no"), std::logic_error);
    CHECK_THROWS_AS(req.read(10), std::logic_error);
    h.connection.sendall("[" + h.buffered + "]");  // the bytes that came with the head
    char buffer[100];
    while (const std::size_t n = h.connection.recv_into(buffer))
      h.connection.sendall(std::string_view(buffer, n));
  });
  raw_client client(s.where);
  client.send("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly");
  const auto r = client.response();
  CHECK(r.status == 101);
  CHECK(r.fields.get("connection") == "Upgrade");  // the handler's, nothing added
  client.send("later");
  client.socket().shutdown(SHUT_WR);
  CHECK(client.rest() == "[early]later");
}

TEST_CASE_FIXTURE(hub_test, "http server: the access log gets one entry per request") {
  std::vector<std::string> lines;
  http::server_options o = quick_options();
  o.access_log = [&lines, format = http::access_format()](const http::access_entry& e) {
    lines.push_back(format(e));
  };
  running_server s([](http::request&, http::response& res) { res.send("12345"); }, o);
  raw_client client(s.where);
  client.send("GET /a?b HTTP/1.1\r\nHost: x\r\n\r\nHEAD /c HTTP/1.0\r\n\r\n");
  client.response();
  client.response("HEAD");
  REQUIRE(lines.size() == 2);
  // 127.0.0.1 - - [06/Nov/2024 08:49:37] "GET /a?b HTTP/1.1" 200 5 0.000081
  CHECK(lines[0].starts_with("127.0.0.1 - - ["));
  CHECK(lines[0].find("] \"GET /a?b HTTP/1.1\" 200 5 0.") != std::string::npos);
  CHECK(lines[1].find("] \"HEAD /c HTTP/1.0\" 200 5 ") != std::string::npos);
}

TEST_CASE("http access_format: fields, conversions and refusals") {
  const green::address client("10.0.0.1", 4321);
  const http::access_entry e{client, "POST", "/x", 1, 404, 12, 1.5, 0};
  CHECK(http::access_format("%(client_ip)s:%(client_port)d %(method)s %(target)s")(e) ==
        "10.0.0.1:4321 POST /x");
  CHECK(http::access_format("[%(date_time)s] %(status_code)s %(body_length)d %%")(e) ==
        "[01/Jan/1970 00:00:00] 404 12 %");
  CHECK(http::access_format("%(wall_seconds).2f %(wall_seconds)d %(request_line)s")(e) ==
        "1.50 1 POST /x HTTP/1.1");
  CHECK_THROWS_AS(http::access_format("%(nope)s"), std::invalid_argument);
  CHECK_THROWS_AS(http::access_format("%(client_ip)d"), std::invalid_argument);
  CHECK_THROWS_AS(http::access_format("%(status_code)x"), std::invalid_argument);
  CHECK_THROWS_AS(http::access_format("100%"), std::invalid_argument);
  CHECK_THROWS_AS(http::access_format("%(method"), std::invalid_argument);
}
