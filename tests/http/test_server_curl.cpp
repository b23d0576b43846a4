// The server with curl as its client: GET, POST with a body, a chunked upload, HEAD, and
// one connection reused for two requests.
#include <string>

#include "server_support.hpp"

using namespace eventlet;
using hub_tests::hub_test;
using server_tests::run;
using server_tests::running_server;

namespace {

// Answers with what it saw: "METHOD path query minor body-length", and the body itself.
void echo_request(http::request& req, http::response& res) {
  const std::string body = req.read_all();
  res.headers().add("Content-Type", "text/plain");
  res.send(std::string(req.method()) + " " + std::string(req.path()) + " " +
           std::string(req.query()) + " 1." + std::to_string(req.minor_version()) + " " +
           std::to_string(body.size()) + "\n" + body);
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "http server and curl: GET") {
  running_server s(echo_request);
  const auto r = run({"curl", "-sS", "-i", s.url("/a/b?x=1&y=%20")});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(r.out.find("\r\nContent-Length: 25\r\n") != std::string::npos);
  CHECK(r.out.find("\r\nDate: ") != std::string::npos);
  CHECK(r.out.find("Server:") == std::string::npos);
  CHECK(r.out.ends_with("\r\n\r\nGET /a/b x=1&y=%20 1.1 0\n"));
}

TEST_CASE_FIXTURE(hub_test, "http server and curl: POST with a body") {
  running_server s(echo_request);
  const std::string body(100'000, 'b');
  const auto r = run({"curl", "-sS", "--data-binary", "@-", s.url("/post")}, body);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out == "POST /post  1.1 100000\n" + body);
}

TEST_CASE_FIXTURE(hub_test, "http server and curl: a chunked upload") {
  running_server s([](http::request& req, http::response& res) {
    CHECK(req.body() == http::body_kind::chunked);
    CHECK(!req.content_length());
    std::string body, piece;
    while (!(piece = req.read(1000)).empty()) body += piece;
    CHECK(req.body_done());
    res.send(std::to_string(body.size()) + " " + std::to_string(body.find_first_not_of('c')));
  });
  const auto r =
      run({"curl", "-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-", s.url("/up")},
          std::string(300'000, 'c'));
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out == "300000 " + std::to_string(std::string::npos));
}

TEST_CASE_FIXTURE(hub_test, "http server and curl: HEAD gets the fields of GET and no body") {
  running_server s([](http::request&, http::response& res) { res.send("twelve bytes"); });
  const auto r = run({"curl", "-sS", "-I", s.url()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(r.out.find("\r\nContent-Length: 12\r\n") != std::string::npos);
  CHECK(r.out.ends_with("\r\n\r\n"));
}

TEST_CASE_FIXTURE(hub_test, "http server and curl: a streamed response is chunked") {
  running_server s([](http::request&, http::response& res) {
    for (int i = 0; i < 100; ++i) res.write("line " + std::to_string(i) + "\n");
  });
  const auto r = run({"curl", "-sS", "-i", s.url()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("\r\nTransfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(r.out.ends_with("line 98\nline 99\n"));
  CHECK(r.out.find("line 0\nline 1\nline 2\n") != std::string::npos);
}

TEST_CASE_FIXTURE(hub_test, "http server and curl: two requests reuse one connection") {
  std::vector<std::string> peers;
  running_server s([&peers](http::request& req, http::response& res) {
    peers.push_back(req.remote().to_string());
    res.send("ok");
  });
  const auto r = run({"curl", "-sS", "-v", s.url("/1"), s.url("/2")});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out == "okok");
  REQUIRE(peers.size() == 2);
  CHECK(peers[0] == peers[1]);  // the same client port: the same connection
  CHECK(r.err.find("Re-using existing connection") != std::string::npos);
}

TEST_CASE_FIXTURE(hub_test, "http server and curl: HTTP/1.0 gets Connection: close") {
  running_server s([](http::request&, http::response& res) { res.write("streamed"); });
  const auto r = run({"curl", "-sS", "-i", "--http1.0", s.url()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(r.out.find("Transfer-Encoding") == std::string::npos);
  CHECK(r.out.ends_with("\r\n\r\nstreamed"));  // delimited by the close
}
