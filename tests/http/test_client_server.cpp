// The client against our own server (http::serve), on the same hub: bodies both ways by
// length and chunked, a streamed response, HEAD, keep-alive (one connection for many
// requests, as the server's access log shows) and a parse_error answered by the server.
#include <algorithm>
#include <cstring>
#include <set>
#include <string>

#include "../support/fixture.hpp"
#include "coros/greenthread.hpp"
#include "green/net.hpp"
#include "http/client.hpp"
#include "http/server.hpp"

using namespace eventlet;
using hub_tests::hub_test;

namespace {

// Our server on a loopback port, in a greenthread of its own, with an access log of the
// client ports it served; stopped at the end.
struct our_server {
  green::socket listener = green::listen({"127.0.0.1", 0});
  std::set<int> client_ports;
  std::optional<http::server> server;
  std::optional<greenthread<void>> running;

  explicit our_server(http::handler h) {
    http::server_options options;
    options.access_log = [this](const http::access_entry& e) {
      client_ports.insert(e.client.port());
    };
    server.emplace(listener, std::move(h), options);
    running.emplace(spawn([this] { server->serve(); }));
  }
  ~our_server() {
    server->shutdown(5);
    running->wait();
  }
  std::string url(const std::string& path) const {
    return "http://" + listener.getsockname().to_string() + path;
  }
};

}  // namespace

TEST_CASE_FIXTURE(hub_test, "client and server: bodies both ways over one kept-alive connection") {
  our_server s([](http::request& req, http::response& res) {
    if (req.path() == "/stream") {  // no length: chunked
      for (int i = 0; i < 100; ++i) res.write(std::string(1000, char('a' + i % 26)));
      return;
    }
    res.headers().add("X-Method", std::string(req.method()));
    res.send(std::string(req.method()) + " " + std::string(req.target()) + " " + req.read_all());
  });
  http::client c;
  for (int i = 0; i < 5; ++i) {
    const http::buffered_response got = c.get(s.url("/x?i=" + std::to_string(i)));
    CHECK(got.status == 200);
    CHECK(got.body == "GET /x?i=" + std::to_string(i) + " ");
  }
  const std::string big(300000, 'z');
  const http::buffered_response posted = c.post(s.url("/p"), big, "text/plain");
  CHECK(posted.body == "POST /p " + big);

  std::size_t sent = 0;
  http::client_response chunked =
      c.request("PUT", http::url::parse(s.url("/c")), {}, [&sent](std::span<char> buffer) {
        const std::size_t n = std::min<std::size_t>(buffer.size(), 50000 - sent);
        std::memset(buffer.data(), 'q', n);
        sent += n;
        return n;
      });
  CHECK(chunked.read_all(1 << 20) == "PUT /c " + std::string(50000, 'q'));

  http::client_response streamed = c.request("GET", s.url("/stream"));
  CHECK(streamed.headers().get("transfer-encoding") == "chunked");
  const std::string body = streamed.read_all(1 << 20);
  CHECK(body.size() == 100000);
  CHECK(body.substr(99000) == std::string(1000, 'a' + 99 % 26));

  http::client_response head = c.request("HEAD", s.url("/h"));
  CHECK(head.headers().get("x-method") == "HEAD");
  CHECK(head.read_all(100) == "");

  CHECK(s.client_ports.size() == 1);  // every request on one connection
  CHECK(c.idle_connections() == 1);
}

TEST_CASE_FIXTURE(hub_test, "client and server: a request the server refuses is a status") {
  our_server s([](http::request&, http::response& res) { res.send("never"); });
  green::socket raw = green::connect(s.listener.getsockname());
  raw.sendall("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
  std::string answer;
  for (std::string piece; !(piece = raw.recv(4096)).empty();) answer += piece;
  CHECK(answer.starts_with("HTTP/1.1 400 "));
  CHECK(answer.find("Connection: close\r\n") != std::string::npos);
  http::client c;
  CHECK(c.get(s.url("/")).body == "never");  // the server goes on
}
