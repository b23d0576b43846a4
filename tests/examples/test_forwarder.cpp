// forwarder: in front of echo_server (many clients, a large transfer), half-closes passed on
// in both directions, a reset closing both sides, a target that refuses, a host name.
#include <sys/socket.h>

#include <string>

#include "echo_clients.hpp"

using namespace eventlet;
using example_tests::example;
using green_tests::loopback_listener;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "forwarder: in front of echo_server, clients get back what they send") {
  example echo("ECHO_SERVER");
  example forwarder("FORWARDER", {"--to", echo.where().to_string()});
  CHECK(example_tests::echo_clients(forwarder.where(), 100, 10) == 0);
  example_tests::large_echo(forwarder.where(), 16 << 20);
}

TEST_CASE_FIXTURE(hub_test, "forwarder: a host name is resolved (localhost)") {
  example echo("ECHO_SERVER");
  example forwarder("FORWARDER", {"--to", "localhost:" + std::to_string(echo.where().port())});
  CHECK(example_tests::echo_clients(forwarder.where(), 1, 3) == 0);
}

TEST_CASE_FIXTURE(hub_test,
                  "forwarder: half-closes pass both ways; both sockets close at the end") {
  loopback_listener target;
  example forwarder("FORWARDER", {"--to", target.where.to_string()});
  const int fds_idle = forwarder.open_fds();
  green::socket client = green::connect(forwarder.where());
  client.set_timeout(60);
  auto [server, peer] = target.socket.accept();
  server.set_timeout(60);
  CHECK(forwarder.open_fds() == fds_idle + 2);  // the client's socket and the target's

  // The target says its piece and half-closes: the client reads it, then EOF...
  server.sendall("from the target\n");
  server.shutdown(SHUT_WR);
  green::stream from_target(client);
  CHECK(from_target.readline() == "from the target\n");
  CHECK(from_target.read(100) == "");
  // ...and can still talk; its half-close reaches the target too.
  client.sendall("from the client\n");
  client.shutdown(SHUT_WR);
  green::stream from_client(server);
  CHECK(from_client.readline() == "from the client\n");
  CHECK(from_client.read(100) == "");
  CHECK(forwarder.wait_for_fds(fds_idle) == fds_idle);  // both sockets closed
}

TEST_CASE_FIXTURE(hub_test, "forwarder: a client that resets its connection closes both sides") {
  loopback_listener target;
  example forwarder("FORWARDER", {"--to", target.where.to_string()});
  green::socket client = green::connect(forwarder.where());
  auto [server, peer] = target.socket.accept();
  server.set_timeout(60);
  client.sendall("x");
  CHECK(server.recv(1) == "x");
  client.setsockopt(SOL_SOCKET, SO_LINGER, linger{1, 0});
  client.close();  // sends a reset
  CHECK(server.recv(1) == "");
}

TEST_CASE_FIXTURE(hub_test, "forwarder: when the target refuses, the client's connection closes") {
  green::address nobody;
  {
    loopback_listener gone;
    nobody = gone.where;
  }  // a port nobody listens on now
  example forwarder("FORWARDER", {"--to", nobody.to_string()});
  for (int i = 0; i < 2; ++i) {  // and the forwarder goes on
    green::socket client = green::connect(forwarder.where());
    client.set_timeout(60);
    CHECK(client.recv(1) == "");
  }
}
