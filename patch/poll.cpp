// The interposed waits for several fds: poll(), ppoll(), select(), pselect(), epoll_wait(). In
// a greenthread each first asks the kernel without waiting; if nothing is ready, the
// greenthread waits on the hub for the fds asked for (one listener each, the first ready one
// wakes it), then asks again. A timeout gives 0, as from the kernel.
#include <sys/epoll.h>
#include <sys/select.h>

#include "detail/calls.hpp"
#include "detail/green.hpp"
#include "detail/interposed.hpp"

using eventlet::hubs::io;
namespace d = eventlet::patch::detail;

namespace eventlet::patch::detail {

real<int(pollfd*, nfds_t, int)> real_poll{"poll"};
real<int(pollfd*, nfds_t, const timespec*, const sigset_t*)> real_ppoll{"ppoll"};
real<int(int, fd_set*, fd_set*, fd_set*, timeval*)> real_select{"select"};
real<int(int, fd_set*, fd_set*, fd_set*, const timespec*, const sigset_t*)> real_pselect{"pselect"};
real<int(int, epoll_event*, int, int)> real_epoll_wait{"epoll_wait"};

namespace {

std::int64_t ms_to_ns(int ms) noexcept { return ms < 0 ? -1 : std::int64_t(ms) * 1000000; }

std::int64_t ts_to_ns(const timespec* ts) noexcept {
  return ts ? std::int64_t(ts->tv_sec) * 1000000000 + ts->tv_nsec : -1;
}

// poll() in a greenthread: waits on the hub for the fds of `fds` (at most 16 distinct ones
// green; more are waited for with a plain poll()) for at most `timeout_ns`.
int green_poll(hubs::hub& h, pollfd* fds, nfds_t n, std::int64_t timeout_ns) noexcept {
  int r = real_poll(fds, n, 0);
  if (r != 0 || timeout_ns == 0) return r;
  const int saved = errno;
  interest wanted[17];
  int count = 0;
  for (nfds_t i = 0; i < n && count <= 16; ++i) {
    io events = io::none;
    if (fds[i].events & (POLLIN | POLLPRI | POLLRDHUP)) events = events | io::read;
    if (fds[i].events & POLLOUT) events = events | io::write;
    if (fds[i].fd < 0 || events == io::none) continue;
    int j = 0;
    while (j < count && wanted[j].fd != fds[i].fd) ++j;
    if (j == count)
      wanted[count++] = {fds[i].fd, events};
    else
      wanted[j].events = wanted[j].events | events;
  }
  if (count > 16) {
    const int ms = timeout_ns < 0 ? -1 : int((timeout_ns + 999999) / 1000000);
    return real_poll(fds, n, ms);
  }
  const std::int64_t deadline = timeout_ns < 0 ? -1 : now_ns() + timeout_ns;
  for (;;) {
    const std::int64_t left = deadline < 0 ? -1 : deadline - now_ns();
    const int e = left < 0 && deadline >= 0 ? ETIMEDOUT : wait(h, wanted, count, left);
    if (e == ETIMEDOUT) {
      errno = saved;
      return 0;
    }
    if (e == EINTR || e == ECANCELED) {
      errno = e;
      return -1;
    }
    r = real_poll(fds, n, 0);  // ready, or closed meanwhile (POLLNVAL)
    if (r > 0) errno = saved;
    if (r != 0) return r;
  }
}

// The fd sets of select() as pollfds and back.
int green_select(hubs::hub& h, int nfds, fd_set* rd, fd_set* wr, fd_set* ex,
                 std::int64_t timeout_ns) noexcept {
  pollfd fds[FD_SETSIZE];
  nfds_t n = 0;
  if (nfds < 0 || nfds > FD_SETSIZE) {
    errno = EINVAL;
    return -1;
  }
  for (int fd = 0; fd < nfds; ++fd) {
    short events = 0;
    if (rd && FD_ISSET(fd, rd)) events |= POLLIN;
    if (wr && FD_ISSET(fd, wr)) events |= POLLOUT;
    if (ex && FD_ISSET(fd, ex)) events |= POLLPRI;
    if (events) fds[n++] = {fd, events, 0};
  }
  const int r = green_poll(h, fds, n, timeout_ns);
  if (r < 0) return r;
  for (nfds_t i = 0; i < n; ++i)
    if (fds[i].revents & POLLNVAL) {
      errno = EBADF;
      return -1;
    }
  if (rd) FD_ZERO(rd);
  if (wr) FD_ZERO(wr);
  if (ex) FD_ZERO(ex);
  int count = 0;
  for (nfds_t i = 0; i < n; ++i) {
    const short got = fds[i].revents;
    if (rd && (fds[i].events & POLLIN) && (got & (POLLIN | POLLHUP | POLLERR))) {
      FD_SET(fds[i].fd, rd);
      ++count;
    }
    if (wr && (fds[i].events & POLLOUT) && (got & (POLLOUT | POLLERR))) {
      FD_SET(fds[i].fd, wr);
      ++count;
    }
    if (ex && (fds[i].events & POLLPRI) && (got & POLLPRI)) {
      FD_SET(fds[i].fd, ex);
      ++count;
    }
  }
  return count;
}

}  // namespace

int poll(pollfd* fds, nfds_t n, int timeout_ms) noexcept {
  hubs::hub* h = green_hub();
  return h ? green_poll(*h, fds, n, ms_to_ns(timeout_ms)) : real_poll(fds, n, timeout_ms);
}

int ppoll(pollfd* fds, nfds_t n, const timespec* timeout, const sigset_t* mask) noexcept {
  hubs::hub* h = green_hub();
  // A signal mask must be swapped atomically with the wait: only the kernel can.
  return h && !mask ? green_poll(*h, fds, n, ts_to_ns(timeout)) : real_ppoll(fds, n, timeout, mask);
}

}  // namespace eventlet::patch::detail

extern "C" {

EVENTLET_API int poll(pollfd* fds, nfds_t n, int timeout_ms) { return d::poll(fds, n, timeout_ms); }

EVENTLET_API int ppoll(pollfd* fds, nfds_t n, const timespec* timeout, const sigset_t* mask) {
  return d::ppoll(fds, n, timeout, mask);
}

EVENTLET_API int select(int nfds, fd_set* rd, fd_set* wr, fd_set* ex, timeval* timeout) {
  eventlet::hubs::hub* h = d::green_hub();
  if (!h) return d::real_select(nfds, rd, wr, ex, timeout);
  const std::int64_t ns =
      timeout ? std::int64_t(timeout->tv_sec) * 1000000000 + timeout->tv_usec * 1000 : -1;
  const std::int64_t start = timeout ? d::now_ns() : 0;
  const int r = d::green_select(*h, nfds, rd, wr, ex, ns);
  if (timeout) {  // Linux's select() leaves the time not slept in *timeout
    std::int64_t left = ns - (d::now_ns() - start);
    if (left < 0) left = 0;
    timeout->tv_sec = left / 1000000000;
    timeout->tv_usec = (left % 1000000000) / 1000;
  }
  return r;
}

EVENTLET_API int pselect(int nfds, fd_set* rd, fd_set* wr, fd_set* ex, const timespec* timeout,
                         const sigset_t* mask) {
  eventlet::hubs::hub* h = d::green_hub();
  if (!h || mask) return d::real_pselect(nfds, rd, wr, ex, timeout, mask);
  return d::green_select(*h, nfds, rd, wr, ex, d::ts_to_ns(timeout));
}

EVENTLET_API int epoll_wait(int epfd, epoll_event* events, int max, int timeout_ms) {
  eventlet::hubs::hub* h = d::green_hub();
  if (!h || timeout_ms == 0) return d::real_epoll_wait(epfd, events, max, timeout_ms);
  const int saved = errno;
  const std::int64_t deadline = timeout_ms < 0 ? -1 : d::now_ns() + d::ms_to_ns(timeout_ms);
  for (;;) {
    const int r = d::real_epoll_wait(epfd, events, max, 0);
    if (r != 0) return r;
    const std::int64_t left = deadline < 0 ? -1 : deadline - d::now_ns();
    const d::interest one{epfd, io::read};
    const int e = left < 0 && deadline >= 0 ? ETIMEDOUT : d::wait(*h, &one, 1, left);
    if (e == ETIMEDOUT) {
      errno = saved;
      return 0;
    }
    if (e) {
      errno = e;
      return -1;
    }
  }
}

}  // extern "C"
