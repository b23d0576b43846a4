// What the patch tests share: a check that a blocking call in a greenthread lets the others
// run while it waits, and fds that close themselves.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <utility>

#include "../support/fixture.hpp"
#include "coros/greenthread.hpp"
#include "patch/patch.hpp"

namespace patch_tests {

// An fd closed at the end of the scope (unless released or closed already).
struct owned_fd {
  int fd = -1;
  owned_fd() = default;
  explicit owned_fd(int f) : fd(f) {}
  owned_fd(owned_fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  owned_fd& operator=(owned_fd&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~owned_fd() {
    if (fd >= 0) ::close(fd);
  }
  operator int() const { return fd; }
};

// A pipe (or socketpair) whose ends close themselves.
struct fd_pair {
  owned_fd in, out;
};

inline fd_pair make_pipe() {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  return {owned_fd(fds[0]), owned_fd(fds[1])};
}

inline fd_pair make_socketpair(int flags = 0) {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | flags, 0, fds) == 0);
  return {owned_fd(fds[0]), owned_fd(fds[1])};
}

// listen_loopback() makes `listener` listen on 127.0.0.1 at a port the kernel picks, and
// returns that address.
inline sockaddr_in listen_loopback(int listener, int backlog) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, backlog) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  return addr;
}

// green_while() runs `blocking` in a greenthread and, once it is waiting, `unblock` in the
// main greenlet; checks that `blocking` had not returned before `unblock` ran (the main
// greenlet ran while it waited: the call was green). A call that is not green blocks the
// thread, and the test hangs until meson's timeout.
inline void green_while(std::function<void()> blocking, std::function<void()> unblock) {
  bool done = false;
  auto gt = eventlet::spawn([&] {
    CHECK(eventlet::patch::enabled());
    blocking();
    done = true;
  });
  eventlet::sleep(0.02);
  CHECK_FALSE(done);
  unblock();
  gt.wait();
  CHECK(done);
}

}  // namespace patch_tests
