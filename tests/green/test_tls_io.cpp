// green tls: data both ways, records OpenSSL buffered, and closes: clean, cut, under a read.
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tls_helpers.hpp"

using namespace eventlet;
using green::tls_socket;
using green_tests::fnv1a;
using green_tests::os_failure_of;
using hub_tests::hub_test;
using namespace tls_tests;

namespace {

// The hash of `total` pseudo-random bytes sent in 1 MiB blocks with sendall.
std::uint64_t send_random(tls_socket& s, std::size_t total, std::uint64_t seed) {
  constexpr std::size_t block_size = 1 << 20;
  std::string block(block_size, '\0');
  std::uint64_t x = seed, hash = fnv1a("");
  for (std::size_t sent = 0; sent < total; sent += block_size) {
    for (std::size_t i = 0; i < block_size; i += 8) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift64
      std::memcpy(&block[i], &x, 8);
    }
    hash = fnv1a(block, hash);
    s.sendall(block);
  }
  return hash;
}

// The hash of the next `total` bytes received.
std::uint64_t receive(tls_socket& s, std::size_t total) {
  std::vector<char> buffer(256 << 10);
  std::uint64_t hash = fnv1a("");
  for (std::size_t received = 0; received < total;) {
    const std::size_t n = s.recv_into(buffer);
    REQUIRE(n > 0);
    hash = fnv1a({buffer.data(), n}, hash);
    received += n;
  }
  return hash;
}

}  // namespace

TEST_CASE_FIXTURE(
    hub_test, "tls: 32 MiB each way at once (a reader and a writer on each socket) arrive whole") {
  constexpr std::size_t total = 32 << 20;
  tls_pair p = handshaken(tcp_pair(), test_server(), trusting_client());
  auto client_sends = spawn([&] { return send_random(p.client, total, 0x9e3779b97f4a7c15ull); });
  auto server_sends = spawn([&] { return send_random(p.server, total, 0x0123456789abcdefull); });
  auto server_receives = spawn([&] { return receive(p.server, total); });
  const std::uint64_t client_received = receive(p.client, total);
  CHECK(client_received == server_sends.wait());
  CHECK(server_receives.wait() == client_sends.wait());
}

TEST_CASE_FIXTURE(hub_test, "tls: data OpenSSL has buffered is read before waiting on the fd") {
  tls_pair p = handshaken(test_server(), trusting_client());
  p.server.sendall("first record");
  p.server.sendall("second record");  // both are in the client's socket buffer now
  CHECK(p.client.recv(1) == "f");     // OpenSSL read ahead: both records, and the kernel has none
  char byte;
  const ssize_t peeked = ::recv(p.client.fileno(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  const int peek_error = errno;
  CHECK(peeked == -1);
  CHECK(peek_error == EAGAIN);
  p.client.set_timeout(0);  // a call that waited on the fd would throw EAGAIN
  std::string rest;
  for (int i = 0; i < 24; ++i) rest += p.client.recv(1);
  CHECK(rest == "irst recordsecond record");
  const auto failure = os_failure_of([&] { p.client.recv(1); });
  CHECK(failure.error == EAGAIN);
  CHECK(failure.what.find("recv") == 0);
  p.server.sendall("more");
  CHECK(p.client.recv(10) == "more");
}

TEST_CASE_FIXTURE(hub_test,
                  "tls: closing a socket another greenthread waits on wakes it with EBADF") {
  tls_pair p = handshaken(test_server(), trusting_client());
  auto reader = spawn([&] { return os_failure_of([&] { p.client.recv(10); }); });
  eventlet::sleep(0);  // it waits now
  p.client.close();
  const auto failure = reader.wait();
  CHECK(failure.error == EBADF);
  CHECK(failure.what.find("recv: fd") == 0);
  CHECK(failure.what.find("was closed while this greenthread waited on it") != std::string::npos);
  CHECK(p.server.recv(10) == "");  // close() sent close_notify: a clean close
  p.client.close();                // idempotent
  CHECK(p.client.fileno() == -1);
  CHECK(os_failure_of([&] { p.client.send("x"); }).error == EBADF);
}

TEST_CASE_FIXTURE(hub_test,
                  "tls: close_notify is a clean EOF (recv \"\"); a bare EOF is tls_eof_error") {
  tls_pair clean = handshaken(test_server(), trusting_client());
  clean.server.shutdown();
  CHECK(clean.client.recv(10) == "");
  CHECK(clean.client.recv(10) == "");               // and stays so
  clean.client.sendall("after your close_notify");  // TLS 1.3: the other way stays open
  CHECK(clean.server.recv(100) == "after your close_notify");
  CHECK_THROWS_WITH_AS(clean.server.send("x"), doctest::Contains("send: "), green::tls_error);
  clean.client.shutdown();
  CHECK(clean.server.recv(10) == "");

  tls_pair cut = handshaken(test_server(), trusting_client());
  ::shutdown(cut.server.fileno(), SHUT_RDWR);  // the connection ends, TLS did not
  CHECK_THROWS_WITH_AS(cut.client.recv(10),
                       "recv: the peer closed the connection without close_notify (unexpected "
                       "EOF: what came may be truncated)",
                       green::tls_eof_error);
}
