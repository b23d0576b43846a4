// What green sockets and fds are built on: an owned non-blocking fd with a Python-style
// timeout, and the loop every "blocking" call runs (try the system call; on EAGAIN wait in
// the hub with trampoline() and try again). Private to green/.
#pragma once

#include <cerrno>
#include <optional>
#include <utility>

#include "../../base/errors.hpp"
#include "../../base/export.hpp"
#include "../../hubs/trampoline.hpp"

namespace eventlet::green::detail {

// wait_for_fd_release() blocks the calling greenthread until a green fd of this thread is
// closed or `timeout` seconds pass; returns whether one was closed.
bool wait_for_fd_release(double timeout);

class EVENTLET_API descriptor {
 public:
  descriptor() noexcept = default;
  explicit descriptor(int fd) noexcept : fd_(fd) {}
  descriptor(descriptor&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), timeout_(other.timeout_) {}
  descriptor& operator=(descriptor&& other) noexcept {
    if (this != &other) {
      close();
      fd_ = std::exchange(other.fd_, -1);
      timeout_ = other.timeout_;
    }
    return *this;
  }
  ~descriptor() { close(); }

  int get() const noexcept { return fd_; }

  // open() returns the fd, or throws std::system_error(EBADF) naming `what` if closed.
  int open(const char* what) const {
    if (fd_ < 0) os::throw_error(EBADF, what);
    return fd_;
  }

  // close() tells the hub (waiters wake with EBADF), closes the fd and signals
  // wait_for_fd_release(); a no-op when closed.
  void close() noexcept;

  // set_timeout() takes Python's socket timeout: nullopt blocks, 0 never waits, > 0 limits
  // each call. Throws std::invalid_argument for a negative or NaN time.
  void set_timeout(std::optional<double> seconds);
  std::optional<double> timeout() const noexcept {
    return timeout_ < 0 ? std::nullopt : std::optional<double>(timeout_);
  }

  // deadline() is when a call starting now times out by the hub clock (negative: never).
  double deadline() const noexcept { return timeout_ > 0 ? hubs::hub::clock() + timeout_ : -1; }

  // wait() suspends the calling greenthread until the fd is ready for `events`. Throws
  // timeout_error once `deadline` passes (negative: never), std::system_error(EBADF) if the
  // fd is closed meanwhile, each naming `what`.
  void wait(const char* what, hubs::io events, double deadline) const;

  // call() runs `op(fd)`, a system call returning -1 and setting errno on failure, until it
  // succeeds, waiting for `events` whenever it would block (until `until`, by default the
  // timeout from now); returns its result. Throws as wait() does, and std::system_error for
  // other failures and, with a timeout of 0, for EAGAIN.
  template <typename Op>
  auto call(const char* what, hubs::io events, Op op, double until) const {
    for (;;) {
      const auto result = op(open(what));
      if (result >= 0) return result;
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || timeout_ == 0) os::throw_error(errno, what);
      wait(what, events, until);
    }
  }
  template <typename Op>
  auto call(const char* what, hubs::io events, Op op) const {
    return call(what, events, op, deadline());
  }

  // nonblocking() tells whether the timeout is 0: calls never wait.
  bool nonblocking() const noexcept { return timeout_ == 0; }

 private:
  int fd_ = -1;
  double timeout_ = -1;  // negative: no limit
};

}  // namespace eventlet::green::detail
