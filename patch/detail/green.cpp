#include "green.hpp"

#include <poll.h>
#include <time.h>

#include <any>
#include <system_error>

#include "../../base/scope_exit.hpp"
#include "../../hubs/deferred.hpp"
#include "calls.hpp"

namespace eventlet::patch {
namespace detail {

[[gnu::tls_model("initial-exec")]] thread_local bool tls_disabled = false;

std::int64_t now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

namespace {

short poll_events(hubs::io events) noexcept {
  return short((events == hubs::io::write ? 0 : POLLIN) | (events == hubs::io::read ? 0 : POLLOUT));
}

int to_ms(std::int64_t ns) noexcept {
  if (ns < 0) return -1;
  const std::int64_t ms = (ns + 999999) / 1000000;
  return ms > 0x7fffffff ? 0x7fffffff : int(ms);
}

// The wait for fds the hub refused: a plain poll(), blocking the thread.
int wait_plainly(const interest* fds, int n, std::int64_t timeout_ns) noexcept {
  pollfd p[16];
  for (int i = 0; i < n; ++i) p[i] = {fds[i].fd, poll_events(fds[i].events), 0};
  const int r = real_poll(p, nfds_t(n), to_ms(timeout_ns));
  if (r < 0) return errno;
  return r == 0 ? ETIMEDOUT : 0;
}

}  // namespace

int wait(hubs::hub& h, const interest* fds, int n, std::int64_t timeout_ns) noexcept {
  if (hubs::deferred()) return ECANCELED;
  eventlet::greenlet* self = getcurrent();
  hubs::listener* added[16];
  int count = 0;
  hubs::timer t;
  const scope_exit done([&] {
    for (int i = 0; i < count; ++i) h.remove(added[i]);
    t.cancel();
  });
  try {
    if (n > 16) return EINVAL;
    for (; count < n; ++count) {
      // An fd we adopted is closed through our close(), which tells the hub: the hub may keep
      // it registered between waits (closes::notified), as green/'s fds do.
      fd_entry* e = entry(fds[count].fd);
      const unsigned f = e ? e->flags.fetch_or(watched, std::memory_order_relaxed) : 0;
      added[count] = h.add(
          fds[count].events, fds[count].fd, [self](int error) { self->switch_to(std::any(error)); },
          f & managed ? hubs::closes::notified : hubs::closes::raw);
    }
    if (timeout_ns >= 0) t = h.schedule_switch(double(timeout_ns) * 1e-9, self);
  } catch (const std::system_error& e) {
    return e.code().value();
  } catch (...) {
    return wait_plainly(fds, n, timeout_ns);
  }
  try {
    const std::any woken = h.switch_to();
    const int* error = std::any_cast<int>(&woken);
    return error ? *error : ETIMEDOUT;
  } catch (...) {
    try {
      hubs::defer(std::current_exception());
    } catch (...) {  // no memory to keep it: the greenthread goes on
    }
    return EINTR;
  }
}

bool block_after_eagain(int fd, hubs::io events) noexcept {
  const unsigned f = flags(fd);
  if ((f & (managed | nonblock)) != managed) return false;
  pollfd p{fd, poll_events(events), 0};
  const std::int64_t timeout = timeout_of(fd, events);
  if (real_poll(&p, 1, to_ms(timeout)) == 0) {
    errno = EAGAIN;
    return false;
  }
  return true;
}

}  // namespace detail

}  // namespace eventlet::patch
