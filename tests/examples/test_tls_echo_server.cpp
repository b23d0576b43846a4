// tls_echo_server: TLS clients at once each get back what they send, through its certificate
// made for the run; stopped, it closes its connections cleanly (close_notify).
#include <string>
#include <vector>

#include "example.hpp"
#include "green/tls.hpp"

using namespace eventlet;
using example_tests::example;
using hub_tests::hub_test;

namespace {

// A client context that accepts the server's certificate, self-signed for this run.
green::tls_context any_server() {
  green::tls_context context = green::tls_context::client();
  context.set_verify(false);
  return context;
}

}  // namespace

TEST_CASE_FIXTURE(hub_test,
                  "tls_echo_server: 50 TLS clients at once each get back what they send") {
  example server("TLS_ECHO_SERVER");
  const green::tls_context context = any_server();
  std::vector<greenthread<int>> clients;
  for (int i = 0; i < 50; ++i)
    clients.push_back(spawn([&, i] {
      green::tls_socket s = green::connect_tls(server.where(), "localhost", context, 60);
      s.set_timeout(60);  // a lost echo fails the test instead of hanging it
      green::stream in(s);
      int wrong = 0;
      for (int round = 0; round < 5; ++round) {
        const std::string message = example_tests::noise(i * 10 + round, 1 + i * 997 % 40000);
        s.sendall(message);
        wrong += in.read_exactly(message.size()) != message;
      }
      return wrong;
    }));
  int wrong = 0;
  for (auto& c : clients) wrong += c.wait();
  CHECK(wrong == 0);
}

TEST_CASE_FIXTURE(hub_test,
                  "tls_echo_server: stopped, it closes its connections with close_notify") {
  green::tls_socket idle;
  {
    example server("TLS_ECHO_SERVER");
    idle = green::connect_tls(server.where(), "localhost", any_server(), 60);
    idle.set_timeout(60);
    idle.sendall("ping");
    CHECK(idle.recv(4) == "ping");
  }  // SIGTERM: the server closes what it serves, then exits with status 0
  CHECK(idle.recv(1).empty());  // a clean close: an unclean one throws tls_eof_error
}
