// The server with Python's http.client as its client: pipelined requests, and
// "Expect: 100-continue" (http.client parses each response from a socket the script writes
// requests to itself).
#include <string>

#include "server_support.hpp"

using namespace eventlet;
using hub_tests::hub_test;
using server_tests::run;
using server_tests::running_server;

namespace {

// Runs `script` with the server's port as sys.argv[1].
server_tests::program_result python(const running_server& s, const char* script) {
  return run({"/usr/bin/python3", "-c", script, std::to_string(s.where.port())});
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "http server and http.client: pipelined requests, in one send") {
  int calls = 0;
  running_server s([&calls](http::request& req, http::response& res) {
    ++calls;
    CHECK(req.method() == (req.target() == "/last" ? "GET" : "POST"));
    res.send("answer to " + std::string(req.target()) + " " + req.read_all());
  });
  const auto r = python(s, R"(
import http.client, io, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
class Shared(io.BufferedReader):  # one reader for all the responses, which it reads ahead
    def close(self):
        pass
class Connection:  # what HTTPResponse needs of a socket
    def makefile(self, mode):
        return reader
reader = Shared(socket.SocketIO(s, "rb"))
requests = b"".join(b"POST /%d HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\nb%d" %
                   (i, len(b"b%d" % i), i) for i in range(20))
s.sendall(requests + b"GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
for i in range(21):
    r = http.client.HTTPResponse(Connection())
    r.begin()
    print(r.status, r.read().decode(), r.getheader("Connection"))
)");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  std::string expected;
  for (int i = 0; i < 20; ++i)
    expected += "200 answer to /" + std::to_string(i) + " b" + std::to_string(i) + " None\n";
  expected += "200 answer to /last  close\n";
  CHECK(r.out == expected);
  CHECK(calls == 21);
}

TEST_CASE_FIXTURE(hub_test, "http server and http.client: 100 Continue on the first body read") {
  running_server s([](http::request& req, http::response& res) {
    if (req.path() == "/ignore") {  // never reads the body: no 100, and the connection closes
      res.send("not read");
      return;
    }
    res.send("read " + req.read_all());
  });
  // The script peeks at the first bytes that come: a 100 makes it send the body; then
  // http.client reads the final response (it skips a 100 itself).
  const auto r = python(s, R"(
import http.client, socket, sys
def expect(path):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.settimeout(10)
    s.sendall(b"PUT %s HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
              b"Expect: 100-continue\r\n\r\n" % path.encode())
    seen = b""
    while len(seen) < 13:
        seen = s.recv(13, socket.MSG_PEEK)
    if seen == b"HTTP/1.1 100 ":
        print("continue")
        s.sendall(b"body")
    r = http.client.HTTPResponse(s)
    r.begin()
    print(r.status, r.read().decode(), r.getheader("Connection"))
expect("/read")
expect("/ignore")
)");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "continue\n200 read body None\n200 not read close\n");
}
