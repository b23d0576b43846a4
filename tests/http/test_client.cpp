// The client against Python's http.server: requests and their bodies, response bodies by
// length, chunked and until the close, HEAD, 100 Continue, and keep-alive reuse.
#include <optional>
#include <string>
#include <vector>

#include "client_tests.hpp"

using namespace eventlet;
using client_tests::failure_of;
using client_tests::field;
using client_tests::pattern;
using client_tests::python_server;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "client: GET, then POST, over one kept-alive connection") {
  python_server server;
  http::client c;
  const http::buffered_response got = c.get(server.url("/echo?x=1"));
  CHECK(got.status == 200);
  CHECK(got.reason == "OK");
  CHECK(got.headers.get("Content-Length") == std::to_string(got.body.size()));
  CHECK(field(got.body, "method") == "GET");
  CHECK(field(got.body, "path") == "/echo?x=1");
  CHECK(field(got.body, "h:host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(field(got.body, "h:user-agent") == "eventlet");
  CHECK(field(got.body, "h:content-length") == "");  // none for a GET without a body
  CHECK(field(got.body, "body") == "");
  CHECK(got.url.to_string() == server.url("/echo?x=1"));
  CHECK(c.idle_connections() == 1);

  http::headers h;
  h.add("X-Test", "yes");
  const http::buffered_response posted = c.post(server.url("/echo"), "a=1&b=2", "text/plain", h);
  CHECK(posted.status == 200);
  CHECK(field(posted.body, "method") == "POST");
  CHECK(field(posted.body, "h:content-type") == "text/plain");
  CHECK(field(posted.body, "h:content-length") == "7");
  CHECK(field(posted.body, "h:x-test") == "yes");
  CHECK(field(posted.body, "body") == "a=1&b=2");
  // The same connection: the server saw the same client port.
  CHECK(field(posted.body, "port") == field(got.body, "port"));
  CHECK(c.idle_connections() == 1);
}

TEST_CASE_FIXTURE(hub_test, "client: many requests reuse one connection; bodies read whole") {
  python_server server;
  http::client c;
  std::string port;
  for (int i = 0; i < 20; ++i) {
    http::client_response r =
        c.request(i % 2 ? "PUT" : "GET", server.url("/echo"), {}, std::string(i * 1000, 'x'));
    const std::string body = r.read_all(1 << 20);
    CHECK(r.done());
    CHECK(field(body, "body").size() == std::size_t(i * 1000));
    if (i == 0) port = field(body, "port");
    CHECK(field(body, "port") == port);
  }
  CHECK(c.idle_connections() == 1);
}

TEST_CASE_FIXTURE(hub_test, "client: a body by Content-Length, read in pieces") {
  python_server server;
  http::client c;
  http::client_response r = c.request("GET", server.url("/length/1000000"));
  CHECK(r.status() == 200);
  std::string body;
  for (std::string piece; !(piece = r.read(7777)).empty();) {
    CHECK(piece.size() <= 7777);
    body += piece;
  }
  CHECK(body == pattern(1000000));
  CHECK(r.done());
  CHECK(r.read(10) == "");
  CHECK(c.idle_connections() == 1);
}

TEST_CASE_FIXTURE(hub_test, "client: a chunked body with a trailer, then the connection again") {
  python_server server;
  http::client c;
  http::client_response r = c.request("GET", server.url("/chunked/25500"));
  CHECK(r.headers().get("Transfer-Encoding") == "chunked");
  CHECK(r.trailers().empty());
  const std::string body = r.read_all(1 << 20);
  CHECK(body == pattern(25500));
  long sum = 0;
  for (const char ch : body) sum += static_cast<unsigned char>(ch);
  CHECK(r.trailers().get("X-Sum") == std::to_string(sum));
  CHECK(!r.headers().contains("X-Sum"));  // never merged into the head
  CHECK(c.idle_connections() == 1);
  CHECK(c.get(server.url("/echo")).status == 200);
  CHECK(c.idle_connections() == 1);
}

TEST_CASE_FIXTURE(hub_test, "client: a body the close ends; the connection is not kept") {
  python_server server;
  http::client c;
  http::client_response r = c.request("GET", server.url("/until-close/30000"));
  CHECK(!r.headers().contains("Content-Length"));
  CHECK(r.read_all(30000) == pattern(30000));
  CHECK(c.idle_connections() == 0);
}

TEST_CASE_FIXTURE(hub_test, "client: HEAD has no body; its connection goes back at once") {
  python_server server;
  http::client c;
  http::client_response r = c.request("HEAD", server.url("/length/5000"));
  CHECK(r.status() == 200);
  CHECK(r.headers().get("Content-Length") == "5000");
  CHECK(r.done());
  CHECK(r.read(100) == "");
  CHECK(c.idle_connections() == 1);
  const http::buffered_response next = c.get(server.url("/length/10"));
  CHECK(next.body == "0123456789");
}

TEST_CASE_FIXTURE(hub_test, "client: 100 Continue is skipped") {
  python_server server;
  http::client c;
  http::headers h;
  h.add("Expect", "100-continue");
  http::client_response r = c.request("POST", server.url("/continue"), h, "body here");
  CHECK(r.status() == 200);
  const std::string body = r.read_all(1 << 16);
  CHECK(field(body, "body") == "body here");
  CHECK(c.idle_connections() == 1);
}

TEST_CASE_FIXTURE(hub_test, "client: a body_source is sent chunked") {
  python_server server;
  http::client c;
  int calls = 0;
  const std::string piece(40000, 'p');  // more than one buffer's worth each
  http::body_source source = [&](std::span<char> buffer) -> std::size_t {
    if (calls++ == 3) return 0;
    const std::size_t n = std::min(buffer.size(), piece.size());
    std::copy_n(piece.data(), n, buffer.data());
    return n;
  };
  http::client_response r = c.request("POST", http::url::parse(server.url("/echo")), {}, source);
  const std::string body = r.read_all(1 << 20);
  CHECK(field(body, "h:transfer-encoding") == "chunked");
  CHECK(field(body, "body").size() == 3 * std::min<std::size_t>(16 * 1024, 40000));
  CHECK(calls == 4);
}

TEST_CASE_FIXTURE(hub_test, "client: headers the caller gives; Host and User-Agent replaced") {
  python_server server;
  http::client_options o;
  o.user_agent = "";
  http::client c(o);
  http::headers h;
  h.add("Host", "example.test");
  h.add("Cookie", "a=b");
  const std::string body = c.get(server.url("/echo"), h).body;
  CHECK(field(body, "h:host") == "example.test");
  CHECK(field(body, "h:cookie") == "a=b");
  CHECK(field(body, "h:user-agent") == "");
  h.add("User-Agent", "mine");
  CHECK(field(http::client().get(server.url("/echo"), h).body, "h:user-agent") == "mine");
}

TEST_CASE_FIXTURE(hub_test, "client: a response closed before its body was read") {
  python_server server;
  http::client c;
  {
    http::client_response r = c.request("GET", server.url("/length/5000000"));
    CHECK(r.read(10) == "0123456789");
  }  // most of the body is still to come: the connection is closed
  CHECK(c.idle_connections() == 0);
  // A rest that has arrived is skipped, whether the client has read it from the socket or
  // not: the raw server sends the body after the head, before the client runs again.
  client_tests::raw_server raw([](green::stream& s, const std::string&, int) {
    s.write("HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n");
    s.flush();
    s.write(pattern(20000));
    return true;
  });
  for (int i = 0; i < 2; ++i) {
    http::client_response r = c.request("GET", raw.url("/"));
    CHECK(r.read(10) == "0123456789");
    if (i == 1) r.close();
    CHECK(r.done() == (i == 1));
  }
  CHECK(c.idle_connections() == 1);
  CHECK(raw.connections() == 1);
  http::client_response r = c.request("GET", server.url("/length/5000000"));
  r.close();
  CHECK(failure_of<http::client_error>([&] { r.read(1); }).find("the response was closed") !=
        std::string::npos);
}

TEST_CASE_FIXTURE(hub_test, "client: a connection the server closed while idle is not used") {
  python_server server;
  http::client c;
  // Python closes the connection after this response without saying so.
  const std::string first = c.get(server.url("/close-after/10")).body;
  CHECK(first == "0123456789");
  CHECK(c.idle_connections() == 1);
  eventlet::sleep(0.2);  // the close arrives
  const http::buffered_response next = c.get(server.url("/echo"));
  CHECK(next.status == 200);
  CHECK(c.idle_connections() == 1);
}

TEST_CASE_FIXTURE(hub_test, "client: the pool keeps at most max_idle_per_origin and max_idle") {
  python_server server;
  http::client_options o;
  o.max_idle_per_origin = 2;
  o.max_idle = 3;
  http::client c(o);
  const http::origin by_ip = http::url::parse(server.url("/")).origin();
  const http::origin by_name = http::url::parse(server.url("localhost", "/")).origin();
  std::vector<http::client_response> open;
  for (int i = 0; i < 4; ++i) open.push_back(c.request("GET", server.url("/length/10")));
  for (int i = 0; i < 4; ++i)
    open.push_back(c.request("GET", server.url("localhost", "/length/10")));
  for (http::client_response& r : open) CHECK(r.read_all(100) == "0123456789");
  CHECK(c.idle_connections() == 3);
  CHECK(c.idle_connections(by_name) == 2);  // the last put back
  CHECK(c.idle_connections(by_ip) == 1);
  c.close_idle();
  CHECK(c.idle_connections() == 0);

  http::client_options none;
  none.max_idle_per_origin = 0;
  http::client no_pool(none);
  CHECK(no_pool.get(server.url("/echo")).status == 200);
  CHECK(no_pool.idle_connections() == 0);
}

TEST_CASE_FIXTURE(hub_test, "client: requests from many greenthreads share a client") {
  python_server server;
  http::client c;
  std::vector<greenthread<std::string>> clients;
  for (int i = 0; i < 10; ++i)
    clients.push_back(
        spawn([&, i] { return c.get(server.url("/length/" + std::to_string(i * 100))).body; }));
  for (int i = 0; i < 10; ++i) CHECK(clients[i].wait() == pattern(i * 100));
  CHECK(c.idle_connections() >= 1);
  CHECK(c.idle_connections() <= 8);
}

TEST_CASE_FIXTURE(hub_test, "client: a response may outlive its client") {
  python_server server;
  std::optional<http::client_response> r;
  {
    http::client c;
    r.emplace(c.request("GET", server.url("/chunked/50000")));
  }
  CHECK(r->read_all(1 << 20) == pattern(50000));
  CHECK(r->done());
}
