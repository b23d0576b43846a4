// The fortified variants: this file is built as a program or C library built with
// fortification is (-O2 -D_FORTIFY_SOURCE=2, tests/patch/meson.build), so that its read(),
// recv(), recvfrom(), poll() and ppoll() on buffers of known size with lengths the compiler
// cannot see are calls to __read_chk, __recv_chk, __recvfrom_chk, __poll_chk and __ppoll_chk
// (fortified_symbols.sh checks that with nm). Each would block, waits green, and gives what
// the plain call gives once another greenlet writes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "helpers.hpp"

#if !defined(_FORTIFY_SOURCE) || _FORTIFY_SOURCE < 2 || !defined(__OPTIMIZE__)
#error "test_fortified.cpp must be built with -O2 -D_FORTIFY_SOURCE=2"
#endif

using hub_tests::hub_test;
using namespace patch_tests;

namespace {

// n, which the compiler cannot see: the fortified call is then the checking one, not the
// plain call it picks for a length it proves fits.
std::size_t unknown(std::size_t n) {
  asm volatile("" : "+r"(n));
  return n;
}

// A UDP socket bound to 127.0.0.1 at a port the kernel picks; returns that address.
sockaddr_in bound_loopback(int fd) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  return addr;
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "fortified: __read_chk, __recv_chk and __recvfrom_chk wait green") {
  auto p = make_pipe();
  std::string got;
  green_while(
      [&] {
        char buf[16];
        const ssize_t n = ::read(p.in, buf, unknown(sizeof buf));
        REQUIRE(n == 5);
        got.assign(buf, std::size_t(n));
      },
      [&] { CHECK(::write(p.out, "hello", 5) == 5); });
  CHECK(got == "hello");

  auto s = make_socketpair();
  green_while(
      [&] {
        char buf[16];
        const ssize_t n = ::recv(s.in, buf, unknown(sizeof buf), 0);
        REQUIRE(n == 3);
        got.assign(buf, std::size_t(n));
      },
      [&] { CHECK(::send(s.out, "abc", 3, 0) == 3); });
  CHECK(got == "abc");

  // recvfrom() on UDP: the sender's address comes back too.
  owned_fd receiver(::socket(AF_INET, SOCK_DGRAM, 0)), sender(::socket(AF_INET, SOCK_DGRAM, 0));
  const sockaddr_in to = bound_loopback(receiver), own = bound_loopback(sender);
  green_while(
      [&] {
        char buf[16];
        sockaddr_in from{};
        socklen_t len = sizeof from;
        const ssize_t n = ::recvfrom(receiver, buf, unknown(sizeof buf), 0,
                                     reinterpret_cast<sockaddr*>(&from), &len);
        REQUIRE(n == 4);
        got.assign(buf, std::size_t(n));
        CHECK(len == sizeof from);
        CHECK(from.sin_port == own.sin_port);
      },
      [&] {
        CHECK(::sendto(sender, "defg", 4, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) ==
              4);
      });
  CHECK(got == "defg");
}

TEST_CASE_FIXTURE(hub_test, "fortified: __poll_chk and __ppoll_chk wait green") {
  auto p = make_pipe();
  auto q = make_pipe();
  short revents[2] = {};
  int ready = -1;
  green_while(
      [&] {
        pollfd fds[2] = {{p.in, POLLIN, 0}, {q.in, POLLIN, 0}};
        ready = ::poll(fds, unknown(2), -1);
        revents[0] = fds[0].revents;
        revents[1] = fds[1].revents;
      },
      [&] { CHECK(::write(q.out, "x", 1) == 1); });
  CHECK(ready == 1);
  CHECK(revents[0] == 0);
  CHECK(revents[1] == POLLIN);
  char c;
  REQUIRE(::read(q.in, &c, 1) == 1);

  green_while(
      [&] {
        pollfd fds[2] = {{p.in, POLLIN, 0}, {q.in, POLLIN, 0}};
        const timespec limit{5, 0};
        ready = ::ppoll(fds, unknown(2), &limit, nullptr);
        revents[0] = fds[0].revents;
        revents[1] = fds[1].revents;
      },
      [&] { CHECK(::write(p.out, "y", 1) == 1); });
  CHECK(ready == 1);
  CHECK(revents[0] == POLLIN);
  CHECK(revents[1] == 0);
}

TEST_CASE_FIXTURE(hub_test, "fortified: a length beyond the buffer still aborts the program") {
  // __chk_fail() ends the process: checked in a child, whose greenthread's read would block.
  auto p = make_pipe();
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    eventlet::spawn([&] {
      char buf[4];
      (void)!::read(p.in, buf, unknown(sizeof buf + 1));
    }).wait();
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGABRT);
}
