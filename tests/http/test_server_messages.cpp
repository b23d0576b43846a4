// What requests and responses carry: framing chosen by the response, Content-Length enforced,
// HTTP/1.0 keep-alive, bodiless statuses, files, the body reader's calls, trailers.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "server_support.hpp"

using namespace eventlet;
using hub_tests::hub_test;
using server_tests::raw_client;
using server_tests::round_trip;
using server_tests::running_server;

TEST_CASE_FIXTURE(hub_test, "http server: HTTP/1.0 keeps the connection only when asked") {
  running_server s([](http::request&, http::response& res) { res.send("ten bytes!"); });
  raw_client asked(s.where);
  asked.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto r = asked.response();
  CHECK(r.fields.get("connection") == "keep-alive");
  asked.send("GET / HTTP/1.0\r\n\r\n");
  r = asked.response();
  CHECK(r.fields.get("connection") == "close");
  CHECK(asked.closed());
}

TEST_CASE_FIXTURE(hub_test, "http server: Content-Length set by the handler is enforced") {
  running_server s([](http::request& req, http::response& res) {
    res.headers().set("Content-Length", "6");
    res.write("abc");
    if (req.path() == "/more") {
      CHECK_THROWS_AS(res.write("defg"), std::logic_error);  // nothing of it is sent
      res.write("def");
    }
    // "/less" stops at 3 of 6 bytes: the connection closes after it.
  });
  raw_client client(s.where);
  client.send("GET /more HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto r = client.response();
  CHECK(r.body == "abcdef");
  CHECK(r.keep_alive);
  client.send("GET /less HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string rest = client.rest();
  CHECK(rest.ends_with("\r\n\r\nabc"));
}

TEST_CASE_FIXTURE(hub_test, "http server: calls out of order are std::logic_error") {
  running_server s([](http::request&, http::response& res) {
    CHECK_THROWS_AS(res.set_status(99), std::invalid_argument);
    CHECK_THROWS_AS(res.set_status(200, "bad\r\nreason"), std::invalid_argument);
    res.set_status(299, "Fine Indeed");
    res.send("once");
    CHECK_THROWS_AS(res.send("twice"), std::logic_error);
    CHECK_THROWS_AS(res.write_head(), std::logic_error);
    CHECK_THROWS_AS(res.set_status(200), std::logic_error);
    CHECK_THROWS_AS(res.write("x"), std::logic_error);  // past the Content-Length of send()
  });
  raw_client client(s.where);
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string got = client.response().body;
  CHECK(got == "once");
}

TEST_CASE_FIXTURE(hub_test, "http server: 204, 304 and HEAD responses carry no body") {
  running_server s([](http::request& req, http::response& res) {
    if (req.path() == "/204") {
      res.set_status(204);
      CHECK_THROWS_AS(res.send("body"), std::logic_error);
      res.write_head();
    } else if (req.path() == "/304") {
      res.set_status(304);
    } else {
      res.write("streamed to HEAD");
    }
  });
  raw_client client(s.where);
  client.send("GET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = client.response();
  CHECK(r.status == 204);
  CHECK(!r.fields.contains("content-length"));
  CHECK(!r.fields.contains("transfer-encoding"));
  CHECK(client.response().status == 304);
  client.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /204 HTTP/1.1\r\nHost: x\r\n\r\n");
  r = client.response("HEAD");
  CHECK(r.fields.get("transfer-encoding") == "chunked");  // as GET would say
  CHECK(r.body.empty());
  CHECK(client.response().status == 204);  // nothing was left in between
}

TEST_CASE_FIXTURE(hub_test, "http server: a HEAD handler may say the length it does not send") {
  running_server s([](http::request& req, http::response& res) {
    res.headers().add("Content-Length", "1234");
    if (req.method() == "HEAD") res.send("");
  });
  raw_client client(s.where);
  client.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto r = client.response("HEAD");
  CHECK(r.fields.get("content-length") == "1234");
  CHECK(r.keep_alive);
  client.response("HEAD");  // the GET's head, its 1234 bytes never sent: the connection closes
  CHECK(client.closed());
}

TEST_CASE_FIXTURE(hub_test, "http server: the handler's Date, Connection: close and reason") {
  running_server s([](http::request&, http::response& res) {
    res.set_status(202, "Taken");
    res.headers().add("Date", "Tue, 01 Jan 2030 00:00:00 GMT");
    res.headers().add("Connection", "close");
    res.send("ok");
  });
  raw_client client(s.where);
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string got = client.rest();
  CHECK(got.starts_with("HTTP/1.1 202 Taken\r\n"));
  CHECK(got.find("Date: Tue, 01 Jan 2030 00:00:00 GMT\r\n") != std::string::npos);
  CHECK(got.find("Date:") == got.rfind("Date:"));  // just the handler's
  CHECK(got.find("Connection: close\r\n") == got.rfind("Connection:"));
}

TEST_CASE_FIXTURE(hub_test, "http server: send_file() with and without chunked framing") {
  char path[] = "/tmp/eventlet-http-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  unlink(path);
  std::string content;
  for (int i = 0; i < 10000; ++i) content += std::to_string(i) + ",";
  REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  running_server s([fd, &content](http::request& req, http::response& res) {
    if (req.path() == "/whole") {
      res.send_file(fd, 0, content.size());
    } else if (req.path() == "/parts") {
      res.write("[");
      res.send_file(fd, 10, 20);
      res.write("]");
    } else {
      CHECK_THROWS_AS(res.send_file(fd, content.size() - 5, 10), std::system_error);
    }
  });
  raw_client client(s.where);
  client.send("GET /whole HTTP/1.1\r\nHost: x\r\n\r\nGET /parts HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = client.response();
  CHECK(r.fields.get("content-length") == std::to_string(content.size()));
  CHECK(r.body == content);
  r = client.response();
  CHECK(r.fields.get("transfer-encoding") == "chunked");
  CHECK(r.body == "[" + content.substr(10, 20) + "]");
  client.send("GET /short HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(client.rest().ends_with(content.substr(content.size() - 5)));  // cut, then closed
  ::close(fd);
}

TEST_CASE_FIXTURE(hub_test, "http server: the body reader's calls, and trailers") {
  running_server s([](http::request& req, http::response& res) {
    std::string got;
    char buffer[3];
    while (const std::size_t n = req.read_into(buffer)) got += "<" + std::string(buffer, n) + ">";
    CHECK(req.body_done());
    CHECK(req.read(10).empty());
    CHECK(req.read_all().empty());
    res.send(got + " " + std::string(req.trailers().get("checksum").value_or("-")));
  });
  auto r = round_trip(s.where,
                      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5;ext=1\r\nhello\r\n1\r\n!\r\n000\r\nChecksum: 42\r\n\r\n");
  CHECK(r.body == "<hel><lo><!> 42");
  r = round_trip(s.where, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd");
  CHECK(r.body == "<abc><d> -");
  r = round_trip(s.where, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(r.body == " -");
}

TEST_CASE_FIXTURE(hub_test, "http server: a broken chunked body is a 400") {
  running_server s([](http::request& req, http::response& res) { res.send(req.read_all()); });
  raw_client client(s.where);
  client.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n");
  const auto r = client.response();
  CHECK(r.status == 400);
  CHECK(client.closed());
}

TEST_CASE_FIXTURE(hub_test, "http server: the request's head, as sent") {
  running_server s([](http::request& req, http::response& res) {
    CHECK(req.method() == "OPTIONS");
    CHECK(req.target() == "/p/a%20th?q=1?2");
    CHECK(req.path() == "/p/a%20th");
    CHECK(req.query() == "q=1?2");
    CHECK(req.minor_version() == 1);
    CHECK(req.headers().get_all("x-twice") == std::vector<std::string_view>{"1", "2"});
    CHECK(req.remote().host() == "127.0.0.1");
    CHECK(req.body() == http::body_kind::none);
    res.send("checked");
  });
  const auto r = round_trip(
      s.where, "OPTIONS /p/a%20th?q=1?2 HTTP/1.1\r\nHost: x\r\nX-Twice: 1\r\nx-twice: 2\r\n\r\n");
  CHECK(r.body == "checked");
}

TEST_CASE_FIXTURE(hub_test, "http server: a new connection sees nothing of an ended one") {
  std::vector<std::string> seen;
  running_server s([&seen](http::request& req, http::response& res) {
    seen.push_back(std::string(req.target()) + " " + req.remote().to_string());
    res.send("ok");
  });
  std::string first_peer;
  {
    raw_client first(s.where);  // a head that grows the buffer, then half of another
    first.send("GET /first HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'b') +
               "\r\n\r\nGET /never HTTP/1.1\r\nHo");
    CHECK(first.response().body == "ok");
    first_peer = first.socket().getsockname().to_string();
  }
  // Once the first has ended, its connection object is kept, and serves the second.
  for (int i = 0; i < 1000 && s.server.connections() > 0; ++i) eventlet::sleep(0.01);
  raw_client second(s.where);
  second.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(second.response().body == "ok");
  const std::vector<std::string> expected = {
      "/first " + first_peer, "/second " + second.socket().getsockname().to_string()};
  CHECK(seen == expected);
}
