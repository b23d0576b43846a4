// http_hello: "hello" for any path, 16,384 bytes of 'x' for /16k, on one kept-alive
// connection; many clients at once.
#include <string>
#include <vector>

#include "example.hpp"

using namespace eventlet;
using example_tests::example;
using hub_tests::hub_test;

namespace {

// The head of `response` up to its blank line, and its body after it.
std::pair<std::string, std::string> split(const std::string& response) {
  const std::size_t end = response.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  return {response.substr(0, end + 2), response.substr(end + 4)};
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "http_hello: hello, /16k, keep-alive") {
  example server("HTTP_HELLO");
  green::socket s = green::connect(server.where(), 60);
  s.set_timeout(60);  // a guard against a hang, not a timing check
  s.sendall("GET /any/path HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string first;
  while (first.find("hello") == std::string::npos) first += s.recv(4096);
  const auto [head, body] = split(first);
  CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(head.find("Content-Length: 5\r\n") != std::string::npos);
  CHECK(head.find("Connection:") == std::string::npos);  // kept alive
  CHECK(body == "hello");
  s.sendall("GET /16k HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");  // the same connection
  std::string second;
  for (std::string piece; !(piece = s.recv(65536)).empty();) second += piece;
  const auto [head16, body16] = split(second);
  CHECK(head16.find("Content-Length: 16384\r\n") != std::string::npos);
  CHECK(head16.find("Connection: close\r\n") != std::string::npos);
  CHECK(body16 == std::string(16384, 'x'));
}

namespace {

// clients() has 200 clients at once make 10 requests each to `server`, each on one kept-alive
// connection, and checks that every request was answered.
void clients(example& server) {
  std::vector<greenthread<int>> clients;
  for (int i = 0; i < 200; ++i)
    clients.push_back(spawn([&server] {
      green::socket s = green::connect(server.where(), 60);
      s.set_timeout(60);
      int answered = 0;
      std::string got;
      for (int round = 0; round < 10; ++round) {
        s.sendall("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        while (got.find("hello") == std::string::npos) got += s.recv(4096);
        answered += got.ends_with("\r\n\r\nhello");
        got.clear();
      }
      return answered;
    }));
  for (auto& c : clients) CHECK(c.wait() == 10);
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "http_hello: 200 clients at once, 10 requests each") {
  example server("HTTP_HELLO");
  clients(server);
}

TEST_CASE_FIXTURE(hub_test, "http_hello --threads 2: 200 clients served, SIGTERM exits 0") {
  example server("HTTP_HELLO", {"--threads", "2"});
  clients(server);
  green::socket idle = green::connect(server.where(), 60);
  idle.set_timeout(60);  // guards against a hang
  CHECK(example::exited_cleanly(server.stop()));
  CHECK(green_tests::read_all(idle).empty());  // closed by the server's shutdown
}

TEST_CASE_FIXTURE(hub_test, "http_hello: SIGTERM finishes the request in flight, exits 0") {
  example server("HTTP_HELLO");
  green::socket idle = green::connect(server.where(), 60);
  green::socket busy = green::connect(server.where(), 60);
  idle.set_timeout(60);  // guards against a hang, not timing checks
  busy.set_timeout(60);
  busy.sendall("GET / HTTP/1.1\r\nHost: x\r\n");  // the head is not complete yet
  eventlet::sleep(0.05);                          // the server has read it (most likely)
  auto stopping = spawn([&] { return server.stop(); });
  eventlet::sleep(0.1);  // the signal has come by now, most likely; if not, the request is
  busy.sendall("\r\n");  // simply served before it
  const std::string response = green_tests::read_all(busy);
  const auto [head, body] = split(response);
  CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(body == "hello");
  CHECK(green_tests::read_all(idle).empty());  // the idle connection is closed
  CHECK(example::exited_cleanly(stopping.wait()));
}
