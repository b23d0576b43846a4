// The gate every interposed call passes (green_hub(): may this call wait green?) and the waits
// on the hub it makes when it may. No exception leaves these functions: what a waiting
// greenthread is thrown (a kill, a timeout) is deferred to its next entry to the hub
// (hubs/deferred.hpp) and the wait reports EINTR.
#pragma once
#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "../../hubs/hub.hpp"
#include "fd_table.hpp"

namespace eventlet::patch::detail {

// The calling thread's opt-out (patch::set_enabled(false)).
[[gnu::tls_model("initial-exec")]] extern thread_local bool tls_disabled;

// green_hub() is the hub the calling code may wait on, else null. Off a hub thread (tpool
// threads, programs without eventlet) it costs one thread-local load and one branch.
inline hubs::hub* green_hub() noexcept {
  hubs::hub* h = hubs::current_hub();
  if (!h) [[likely]]
    return nullptr;
  if (tls_disabled || getcurrent() == h->greenlet()) return nullptr;
  return h;
}

// One fd to wait for and the events.
struct interest {
  int fd;
  hubs::io events;
};

// wait() suspends the calling greenthread until one of `fds` is ready (or was closed), or
// `timeout_ns` pass (negative: no limit); with no fd, it sleeps. At most 16 fds (EINVAL for
// more: poll() waits for more with a plain poll()). Returns 0 when one is ready,
// ETIMEDOUT, EBADF when one was closed meanwhile, EINTR when the greenthread was thrown an
// exception (deferred), ECANCELED at once when it has one pending. An fd the hub cannot watch
// (select hub: fd >= FD_SETSIZE; a second reader) is waited for with a plain poll(), which
// blocks the thread.
int wait(hubs::hub& h, const interest* fds, int n, std::int64_t timeout_ns) noexcept;

// now_ns() is the monotonic clock in nanoseconds.
std::int64_t now_ns() noexcept;

// timeout_of() is fd's SO_RCVTIMEO (reading) or SO_SNDTIMEO (writing) in nanoseconds,
// negative for none.
inline std::int64_t timeout_of(int fd, hubs::io events) noexcept {
  fd_entry* e = find(fd);
  if (!e) return -1;
  const std::int64_t t = (events == hubs::io::read ? e->recv_timeout : e->send_timeout)
                             .load(std::memory_order_relaxed);
  return t > 0 ? t : -1;
}

// block_after_eagain() is what a call that is not green does when the kernel says EAGAIN:
// on an fd we made O_NONBLOCK whose program asked for blocking (another thread's fd, a hub
// shut down since), it waits with a plain poll() and returns true (try again); else false.
bool block_after_eagain(int fd, hubs::io events) noexcept;

// plain_call() tells whether a read or write on fd is the C library's call and nothing else:
// off a hub thread, on an fd that we did not make non-blocking behind a program that asked for
// blocking. The interposed reads and writes test it first and, when it holds, call the C
// library as their last act (a tail call: no frame, no registers saved); else transfer() or
// transfer_all() below. One thread-local load, and a look at the fd table.
inline bool plain_call(int fd) noexcept {
  return !hubs::current_hub() && (flags(fd) & (managed | nonblock)) != managed;
}

// transfer() makes `call` (one attempt of a read or write on fd) as the program expects: green in a
// greenthread on an adopted socket or pipe in blocking mode (wait for `events`, then try
// again; SO_RCVTIMEO/SO_SNDTIMEO give EAGAIN), once when the program asked for non-blocking or
// `dontwait` (MSG_DONTWAIT), and outside greenthreads as the plain call. errno is the caller's
// again after a call that succeeds after waiting. Out of line: the path past plain_call().
template <typename Call>
[[gnu::noinline]] auto transfer(int fd, hubs::io events, bool dontwait, Call call) noexcept {
  hubs::hub* h = green_hub();
  if (!h) [[likely]] {
    for (;;) {
      auto r = call();
      if (r >= 0 || errno != EAGAIN || dontwait) [[likely]]
        return r;
      if (!block_after_eagain(fd, events)) return r;
    }
  }
  const unsigned f = adopt(fd);
  if (!(f & managed) || (f & nonblock) || dontwait) return call();
  const int saved = errno;
  const std::int64_t timeout = timeout_of(fd, events);
  const std::int64_t deadline = timeout < 0 ? -1 : now_ns() + timeout;
  for (;;) {
    auto r = call();
    if (r >= 0) {
      errno = saved;
      return r;
    }
    if (errno != EAGAIN) return r;
    const std::int64_t left = deadline < 0 ? -1 : deadline - now_ns();
    const interest one{fd, events};
    const int e = left < 0 && deadline >= 0 ? ETIMEDOUT : wait(*h, &one, 1, left);
    if (e) {
      errno = e == ETIMEDOUT ? EAGAIN : e;
      return decltype(r)(-1);
    }
  }
}

// transfer_all() is transfer() for the writes: `call(done)` writes what is left after the
// first `done` of `total` bytes. A blocking write gives back only when all is written (as the
// kernel's would, waiting for room), or when an error or SO_SNDTIMEO stops it: then the count
// written so far if any, else -1. Out of line: the path past plain_call().
template <typename Call>
[[gnu::noinline]] ssize_t transfer_all(int fd, std::size_t total, bool dontwait,
                                       Call call) noexcept {
  hubs::hub* h = green_hub();
  if (!h) [[likely]] {
    ssize_t r = call(0);
    if (std::size_t(r) == total || dontwait) [[likely]]
      return r;
    if (r >= 0 ? (flags(fd) & (managed | nonblock)) != managed
               : errno != EAGAIN || !block_after_eagain(fd, hubs::io::write))
      return r;
    std::size_t done = r > 0 ? std::size_t(r) : 0;
    while (done < total) {  // the rare case: a blocking fd we made non-blocking, off the hub
      r = call(done);
      if (r == 0) break;  // no progress (none of the calls does this with bytes left)
      if (r > 0)
        done += std::size_t(r);
      else if (errno != EAGAIN || !block_after_eagain(fd, hubs::io::write))
        return done ? ssize_t(done) : r;
    }
    return ssize_t(done);
  }
  const unsigned f = adopt(fd);
  if (!(f & managed) || (f & nonblock) || dontwait) return call(0);
  const int saved = errno;
  const std::int64_t timeout = timeout_of(fd, hubs::io::write);
  const std::int64_t deadline = timeout < 0 ? -1 : now_ns() + timeout;
  std::size_t done = 0;
  for (;;) {
    const ssize_t r = call(done);
    if (r >= 0) {
      done += std::size_t(r);
      if (done < total && r > 0) continue;
      errno = saved;
      return ssize_t(done);
    }
    if (errno != EAGAIN) return done ? ssize_t(done) : r;
    const std::int64_t left = deadline < 0 ? -1 : deadline - now_ns();
    const interest one{fd, hubs::io::write};
    const int e = left < 0 && deadline >= 0 ? ETIMEDOUT : wait(*h, &one, 1, left);
    if (e) {
      if (done) return ssize_t(done);
      errno = e == ETIMEDOUT ? EAGAIN : e;
      return -1;
    }
  }
}

}  // namespace eventlet::patch::detail
