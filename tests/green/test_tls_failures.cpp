// green tls: resets, closed peers, greenthreads killed mid-handshake, blocking calls from the hub.
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "tls_helpers.hpp"

using namespace eventlet;
using green::tls_socket;
using green_tests::os_failure_of;
using hub_tests::hub_test;
using namespace tls_tests;

TEST_CASE_FIXTURE(hub_test,
                  "tls: a reset is ECONNRESET; sending to a closed peer is EPIPE, never SIGPIPE") {
  auto [server_end, client_end] = tcp_pair();
  tls_socket client = green::wrap_tls(std::move(client_end), trusting_client(), "localhost");
  auto resetting = spawn([&s = server_end] {
    s.recv(1);  // the ClientHello has come, and stays unread:
    s.setsockopt(SOL_SOCKET, SO_LINGER, linger{1, 0});
    s.close();  // a reset
  });
  const auto reset = os_failure_of([&] { client.handshake(); });
  resetting.wait();
  CHECK(reset.error == ECONNRESET);
  CHECK(reset.what == "handshake: Connection reset by peer");

  tls_pair p = handshaken(test_server(), trusting_client());
  p.server.close();
  const int error = os_failure_of([&] {
                      for (int i = 0; i < 100; ++i) p.client.sendall("nobody listens");
                    }).error;
  CHECK((error == EPIPE || error == ECONNRESET));
}

TEST_CASE_FIXTURE(hub_test,
                  "tls: a greenthread killed in its handshake leaves a socket that can resume") {
  auto [a, b] = green::socketpair();
  tls_socket server = green::wrap_tls(std::move(a), test_server());
  tls_socket client = green::wrap_tls(std::move(b), trusting_client(), "localhost");
  auto killed = spawn([&] { client.handshake(); });
  eventlet::sleep(0);  // it sent its hello and waits for the server's
  killed.kill();
  CHECK(killed.dead());
  auto server_side = spawn([&] { server.handshake(); });
  client.handshake();  // where the killed one stopped
  server_side.wait();
  client.sendall("resumed");
  CHECK(server.recv(10) == "resumed");
}

TEST_CASE_FIXTURE(hub_test, "tls: a greenthread killed in its handshake closes its socket") {
  auto [a, b] = green::socketpair();
  tls_socket server = green::wrap_tls(std::move(a), test_server());
  auto killed = spawn([&b = b] {
    tls_socket client = green::wrap_tls(std::move(b), trusting_client(), "localhost");
    client.handshake();
  });
  eventlet::sleep(0);
  killed.kill();  // its socket is destroyed as its stack unwinds
  CHECK_THROWS_WITH_AS(server.handshake(),
                       "handshake: the peer closed the connection during the handshake",
                       green::tls_eof_error);
}

TEST_CASE_FIXTURE(hub_test, "tls: blocking calls from the hub greenlet are hub_error") {
  tls_pair p = handshaken(test_server(), trusting_client());
  std::string refused;
  hubs::timer t = hub.schedule_call_global(0, [&] {
    try {
      p.client.recv(10);
    } catch (const hubs::hub_error& e) {
      refused = e.what();
    }
  });
  eventlet::sleep(0.01);
  CHECK(refused.find("do not call blocking functions from the hub") != std::string::npos);
}
