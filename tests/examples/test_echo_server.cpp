// echo_server (and the forwarder in front of it, test_forwarder.cpp): many clients at once,
// and a large transfer, each getting back exactly what it sent.
#include <sys/socket.h>

#include <string>
#include <vector>

#include "echo_clients.hpp"

using namespace eventlet;
using example_tests::example;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "echo_server: 200 clients at once each get back what they send") {
  example server("ECHO_SERVER");
  CHECK(example_tests::echo_clients(server.where(), 200, 20) == 0);
}

TEST_CASE_FIXTURE(hub_test, "echo_server: 32 MiB sent while reading come back intact") {
  example server("ECHO_SERVER");
  example_tests::large_echo(server.where(), 32 << 20);
}

namespace {

// Stops `server` with SIGTERM while a connection is open: the server closes it and exits 0.
void stop_during_connection(example& server) {
  green::socket s = green::connect(server.where(), 60);
  s.set_timeout(60);  // a guard against a hang, not a timing check
  s.sendall("before");
  CHECK(s.recv(100) == "before");
  CHECK(example::exited_cleanly(server.stop()));
  CHECK(green_tests::read_all(s).empty());  // closed by the server: EOF
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "echo_server: SIGTERM during a connection closes it and exits 0") {
  example server("ECHO_SERVER");
  stop_during_connection(server);
  CHECK(green_tests::os_failure_of([&] { green::connect(server.where(), 60); }).error ==
        ECONNREFUSED);  // accepts no more
}

TEST_CASE_FIXTURE(hub_test, "echo_server --threads 2: 200 clients served, SIGTERM exits 0") {
  example server("ECHO_SERVER", {"--threads", "2"});
  CHECK(example_tests::echo_clients(server.where(), 200, 20) == 0);
  stop_during_connection(server);
}
