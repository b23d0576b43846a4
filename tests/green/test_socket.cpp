// green::socket: many connections at once, half-close, resets, timeouts, close while waiting,
// bulk transfer, UDP, Unix and IPv6 sockets, options, and bad input.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "helpers.hpp"

using namespace eventlet;
using green::address;
using green_tests::fnv1a;
using green_tests::loopback_listener;
using green_tests::os_failure_of;
using green_tests::read_all;
using hub_tests::hub_test;

namespace {

// Echoes what arrives until EOF.
void echo(green::socket& s) {
  for (std::string part; !(part = s.recv(65536)).empty();) s.sendall(part);
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "socket: 200 greenthreads echo through one server at once") {
  constexpr int clients = 200;
  loopback_listener server;
  auto acceptor = spawn([&] {
    std::vector<greenthread<void>> handlers;
    for (int i = 0; i < clients; ++i) {
      auto [connection, peer] = server.socket.accept();
      CHECK(peer.family() == AF_INET);
      handlers.push_back(spawn([c = std::move(connection)]() mutable { echo(c); }));
    }
    waitall(handlers);
  });
  std::vector<greenthread<bool>> talkers;
  for (int i = 0; i < clients; ++i)
    talkers.push_back(spawn([&, i] {
      green::socket s = green::connect(server.where);
      const std::string message = "hello from client " + std::to_string(i) + "\n";
      s.sendall(message);
      eventlet::sleep(0);  // let every client be connected at once
      s.shutdown(SHUT_WR);
      return read_all(s) == message;
    }));
  int echoed = 0;
  for (auto& t : talkers) echoed += t.wait();
  acceptor.wait();
  CHECK(echoed == clients);
}

TEST_CASE_FIXTURE(hub_test,
                  "socket: after shutdown(SHUT_WR) the peer reads EOF and can still send") {
  loopback_listener server;
  green::socket client = green::connect(server.where);
  auto [peer, from] = server.socket.accept();
  client.sendall("last words");
  client.shutdown(SHUT_WR);
  CHECK(read_all(peer) == "last words");  // then EOF
  peer.sendall("reply after EOF");
  peer.close();
  CHECK(read_all(client) == "reply after EOF");
}

TEST_CASE_FIXTURE(hub_test,
                  "socket: a peer reset is ECONNRESET, and sending after it EPIPE or ECONNRESET") {
  loopback_listener server;
  green::socket client = green::connect(server.where);
  auto [peer, from] = server.socket.accept();
  peer.setsockopt(SOL_SOCKET, SO_LINGER, linger{1, 0});  // close() sends RST
  auto reader = spawn([&] { return os_failure_of([&] { client.recv(100); }); });
  eventlet::sleep(0.01);
  peer.close();
  const auto failure = reader.wait();
  CHECK(failure.error == ECONNRESET);
  CHECK(failure.what.find("recv") != std::string::npos);
  const int error = os_failure_of([&] {
                      for (int i = 0; i < 100; ++i) client.sendall("more");
                    }).error;
  CHECK((error == EPIPE || error == ECONNRESET));
}

TEST_CASE_FIXTURE(hub_test, "socket: sending to a closed peer is EPIPE, never SIGPIPE") {
  auto [a, b] = green::socketpair();
  b.close();
  CHECK(os_failure_of([&] { a.sendall("nobody listens"); }).error == EPIPE);
}

TEST_CASE_FIXTURE(hub_test, "socket: recv times out with timeout_error after set_timeout(t)") {
  auto [a, b] = green::socketpair();
  a.set_timeout(0.05);
  CHECK(a.timeout() == 0.05);
  const double start = hubs::hub::clock();
  try {
    a.recv(10);
    FAIL("recv did not time out");
  } catch (const timeout_error& e) {
    CHECK(std::string(e.what()) == "recv: timed out");
  }
  CHECK(hubs::hub::clock() - start >= 0.05);
  b.sendall("x");  // the socket still works afterwards
  CHECK(a.recv(10) == "x");
}

TEST_CASE_FIXTURE(hub_test, "socket: accept times out with timeout_error") {
  loopback_listener server;
  server.socket.set_timeout(0.02);
  CHECK_THROWS_AS(server.socket.accept(), timeout_error);
}

TEST_CASE_FIXTURE(hub_test, "socket: connect times out with timeout_error when nobody answers") {
  // A listener whose backlog is full and which never accepts leaves new connections waiting.
  green::socket server = green::listen({"127.0.0.1", 0}, 0);
  const address where = server.getsockname();
  std::vector<green::socket> queued;
  for (int i = 0; i < 64; ++i) {
    green::socket s(AF_INET, SOCK_STREAM);
    s.set_timeout(0.2);
    try {
      s.connect(where);
      queued.push_back(std::move(s));
    } catch (const timeout_error& e) {
      CHECK(std::string(e.what()) == "connect: timed out");
      return;
    }
  }
  MESSAGE("skipped: this kernel completes every connection to a full backlog");
}

TEST_CASE_FIXTURE(hub_test, "socket: the timeout bounds a whole sendall") {
  auto [a, b] = green::socketpair();
  a.set_timeout(0.05);
  const std::string big(8 << 20, 'x');  // more than the socket buffers hold
  CHECK_THROWS_AS(a.sendall(big), timeout_error);
}

TEST_CASE_FIXTURE(hub_test, "socket: set_timeout(0) makes a call that would block throw EAGAIN") {
  auto [a, b] = green::socketpair();
  a.set_timeout(0);
  const auto failure = os_failure_of([&] { a.recv(10); });
  CHECK((failure.error == EAGAIN || failure.error == EWOULDBLOCK));
  CHECK(failure.what.find("recv") == 0);
  loopback_listener server;
  server.socket.set_timeout(0);
  CHECK(os_failure_of([&] { server.socket.accept(); }).error == EAGAIN);
  b.sendall("ready");
  CHECK(a.recv(10) == "ready");  // what is there comes at once
  a.set_timeout(std::nullopt);
  CHECK_FALSE(a.timeout());
}

TEST_CASE_FIXTURE(hub_test,
                  "socket: closing a socket another greenthread waits on wakes it with EBADF") {
  auto [a, b] = green::socketpair();
  auto reader = spawn([&] { return os_failure_of([&] { a.recv(10); }); });
  eventlet::sleep(0);  // it waits now
  a.close();
  const auto failure = reader.wait();
  CHECK(failure.error == EBADF);
  CHECK(failure.what.find("recv: fd") == 0);
  CHECK(failure.what.find("was closed while this greenthread waited on it") != std::string::npos);
  a.close();  // idempotent
  CHECK(a.fileno() == -1);
}

TEST_CASE_FIXTURE(hub_test, "socket: 100 MB through a socket pair arrive whole and in order") {
  constexpr std::size_t total = 100 << 20, chunk = 1 << 20;
  auto [a, b] = green::socketpair();
  auto sender = spawn([&a = a] {
    std::string block(chunk, '\0');
    std::uint64_t x = 0x9e3779b97f4a7c15ull, hash = fnv1a("");
    for (std::size_t sent = 0; sent < total; sent += chunk) {
      for (std::size_t i = 0; i < chunk; i += 8) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift64
        std::memcpy(&block[i], &x, 8);
      }
      hash = fnv1a(block, hash);
      a.sendall(block);
    }
    a.shutdown(SHUT_WR);
    return hash;
  });
  std::vector<char> buffer(256 << 10);
  std::uint64_t hash = fnv1a("");
  std::size_t received = 0;
  while (const std::size_t n = b.recv_into(buffer)) {
    hash = fnv1a({buffer.data(), n}, hash);
    received += n;
  }
  CHECK(received == total);
  CHECK(hash == sender.wait());
}

TEST_CASE_FIXTURE(hub_test, "socket: UDP datagrams with sendto and recvfrom") {
  green::socket server(AF_INET, SOCK_DGRAM), client(AF_INET, SOCK_DGRAM);
  server.bind({"127.0.0.1", 0});
  client.bind({"127.0.0.1", 0});
  auto later = spawn([&] {
    eventlet::sleep(0.01);  // recvfrom waits for it
    return client.sendto("ping", server.getsockname());
  });
  auto [data, from] = server.recvfrom(100);
  CHECK(later.wait() == 4);
  CHECK(data == "ping");
  CHECK(from == client.getsockname());
  server.sendto("pong-and-more", from);
  CHECK(client.recvfrom(4).first == "pong");  // a longer datagram is truncated
}

TEST_CASE_FIXTURE(hub_test, "socket: Unix-domain stream sockets, by path and by abstract name") {
  char dir[] = "/tmp/green-test-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string path = std::string(dir) + "/echo.sock";
  for (const address& where :
       {address::unix_path(path),
        address::unix_path(std::string("\0green-test-", 12) + std::to_string(getpid()))}) {
    green::socket server = green::listen(where);
    CHECK(server.getsockname() == where);
    auto handler = spawn([&] {
      auto [c, peer] = server.accept();
      CHECK(peer.family() == AF_UNIX);
      echo(c);
    });
    green::socket client = green::connect(where);
    client.sendall("over a unix socket");
    client.shutdown(SHUT_WR);
    CHECK(read_all(client) == "over a unix socket");
    handler.wait();
  }
  unlink(path.c_str());
  rmdir(dir);
}

TEST_CASE_FIXTURE(hub_test,
                  "socket: connecting to a Unix listener with a full backlog waits for room") {
  const address where =
      address::unix_path(std::string("\0green-backlog-", 15) + std::to_string(getpid()));
  green::socket server = green::listen(where, 1);
  constexpr int clients = 20;
  std::vector<greenthread<void>> connecting;
  for (int i = 0; i < clients; ++i)
    connecting.push_back(spawn([&] {
      green::socket s = green::connect(where, 5.0);
      s.recv(1);  // EOF once accepted and closed
    }));
  const double cpu = green_tests::cpu_seconds();
  for (int i = 0; i < clients; ++i) {
    eventlet::sleep(0.005);  // a slow server: the backlog stays full
    server.accept();
  }
  waitall(connecting);
  CHECK(green_tests::cpu_seconds() - cpu < 0.1);  // nobody spun while waiting
}

TEST_CASE_FIXTURE(hub_test, "socket: IPv6 loopback") {
  green::socket server;
  try {
    server = green::listen({"::1", 0});
  } catch (const std::system_error& e) {
    MESSAGE("skipped: no IPv6 loopback here (", e.what(), ")");
    return;
  }
  const address where = server.getsockname();
  CHECK(where.to_string().starts_with("[::1]:"));
  auto handler = spawn([&] {
    auto [c, peer] = server.accept();
    CHECK(peer.family() == AF_INET6);
    echo(c);
  });
  green::socket client = green::connect(where);
  client.sendall("six");
  client.shutdown(SHUT_WR);
  CHECK(read_all(client) == "six");
  handler.wait();
}

TEST_CASE_FIXTURE(hub_test, "socket: options, names and adopting an fd") {
  loopback_listener server;
  green::socket client = green::connect(server.where);
  auto [peer, from] = server.socket.accept();
  client.set_nodelay(true);
  CHECK(client.getsockopt<int>(IPPROTO_TCP, TCP_NODELAY) != 0);
  client.set_keepalive(true);
  CHECK(client.getsockopt<int>(SOL_SOCKET, SO_KEEPALIVE) != 0);
  CHECK(server.socket.getsockopt<int>(SOL_SOCKET, SO_REUSEADDR) != 0);
  CHECK(client.getpeername() == server.where);
  CHECK(from == client.getsockname());
  // adopt() takes a plain fd and makes it green.
  const int raw = dup(peer.fileno());
  green::socket adopted = green::socket::adopt(raw);
  CHECK(adopted.fileno() == raw);
  CHECK((fcntl(raw, F_GETFL) & O_NONBLOCK) != 0);
  client.sendall("to the adopted fd");
  CHECK(adopted.recv(100) == "to the adopted fd");
}

TEST_CASE_FIXTURE(hub_test, "socket: connecting to a closed port is ECONNREFUSED") {
  address nowhere;
  {
    loopback_listener gone;
    nowhere = gone.where;
  }
  const auto failure = os_failure_of([&] { green::connect(nowhere); });
  CHECK(failure.error == ECONNREFUSED);
  CHECK(failure.what.find("connect") == 0);
}

TEST_CASE_FIXTURE(hub_test, "socket: bad input is a clear error") {
  green::socket closed;
  const auto failure = os_failure_of([&] { closed.recv(1); });
  CHECK(failure.error == EBADF);
  CHECK(failure.what.find("recv") == 0);
  CHECK(os_failure_of([&] { closed.sendall("x"); }).error == EBADF);
  CHECK(os_failure_of([&] { green::socket(AF_INET, 12345); }).error != 0);
  auto [a, b] = green::socketpair();
  CHECK_THROWS_AS(a.set_timeout(-1.0), std::invalid_argument);
  CHECK_THROWS_AS(a.set_timeout(std::nan("")), std::invalid_argument);
  CHECK_FALSE(a.timeout());  // unchanged by the refused calls
  a.set_timeout(std::numeric_limits<double>::infinity());
  CHECK_FALSE(a.timeout());  // forever is blocking
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  CHECK_THROWS_WITH_AS(green::socket::adopt(fds[0]), doctest::Contains("is not a socket"),
                       std::invalid_argument);
  CHECK(fcntl(fds[0], F_GETFD) >= 0);  // the caller keeps the fd
  ::close(fds[0]);
  ::close(fds[1]);
  CHECK(os_failure_of([&] { green::socket::adopt(-1); }).error == EBADF);
  CHECK(os_failure_of([&] { a.bind({"127.0.0.1", 0}); }).error == EINVAL);  // AF_UNIX socket
  CHECK(os_failure_of([] { green::socket(AF_INET, SOCK_STREAM).shutdown(SHUT_RDWR); }).error ==
        ENOTCONN);
}

TEST_CASE_FIXTURE(hub_test,
                  "socket: a second greenthread receiving on one socket is a clear error") {
  auto [a, b] = green::socketpair();
  auto first = spawn([&] { return a.recv(10); });
  eventlet::sleep(0);
  CHECK_THROWS_AS(a.recv(10), hubs::hub_error);
  b.sendall("one");
  CHECK(first.wait() == "one");
}
