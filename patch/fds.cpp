// The interposed calls that make, copy, close and set fds: bookkeeping for the fd table
// (detail/fd_table.hpp). They never wait. New fds start unadopted; a copy shares its file's
// entry; close() tells the hub first, so a greenthread waiting on the fd wakes with EBADF; the
// mode and timeouts a program sets are kept and shown back to it.
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "detail/calls.hpp"
#include "detail/green.hpp"

namespace d = eventlet::patch::detail;

namespace eventlet::patch::detail {

real<int(int, int, int)> real_socket{"socket"};
real<int(int, int, int, int*)> real_socketpair{"socketpair"};
real<int(int*)> real_pipe{"pipe"};
real<int(int*, int)> real_pipe2{"pipe2"};
real<int(int)> real_dup{"dup"};
real<int(int, int)> real_dup2{"dup2"};
real<int(int, int, int)> real_dup3{"dup3"};
real<int(int)> real_close{"close"};
real<int(int, int, ...)> real_fcntl{"fcntl"};
real<int(int, unsigned long, ...)> real_ioctl{"ioctl"};
real<int(int, int, int, const void*, socklen_t)> real_setsockopt{"setsockopt"};
real<int(int, int, int, void*, socklen_t*)> real_getsockopt{"getsockopt"};

namespace {

int made(int fd) noexcept {
  if (fd >= 0) forget(fd);
  return fd;
}

int made_pair(int r, const int* fds) noexcept {
  if (r == 0) {
    forget(fds[0]);
    forget(fds[1]);
  }
  return r;
}

// Before fd is closed (or replaced by dup2()): a greenthread of this thread's hub waiting on it
// wakes with EBADF. Only for fds we adopted or waited on: the hub's own fds are none of ours.
void closing(int fd) noexcept {
  if (!(flags(fd) & (managed | watched))) return;
  if (hubs::hub* h = hubs::current_hub()) h->notify_close(fd);
}

int duplicated(int from, int to) noexcept {
  if (to >= 0) copy(from, to);
  return to;
}

// fcntl() and fcntl64(): F_GETFL shows an adopted fd's mode as the program set it, F_SETFL
// keeps the program's mode and the kernel file non-blocking, F_DUPFD copies the entry.
int fcntl_call(int fd, int cmd, void* arg) noexcept {
  const unsigned f = flags(fd);
  switch (cmd) {
    case F_GETFL: {
      const int r = real_fcntl(fd, cmd);
      if (r < 0 || !(f & managed)) return r;
      return (r & ~O_NONBLOCK) | (f & nonblock ? O_NONBLOCK : 0);
    }
    case F_SETFL: {
      const long want = reinterpret_cast<long>(arg);
      if (!(f & managed)) return real_fcntl(fd, cmd, want);
      const int r = real_fcntl(fd, cmd, want | O_NONBLOCK);
      if (r == 0)
        (want & O_NONBLOCK) ? entry(fd)->flags.fetch_or(nonblock)
                            : entry(fd)->flags.fetch_and(~unsigned(nonblock));
      return r;
    }
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
      return duplicated(fd, real_fcntl(fd, cmd, arg));
    default:
      return real_fcntl(fd, cmd, arg);
  }
}

}  // namespace

}  // namespace eventlet::patch::detail

extern "C" {

EVENTLET_API int socket(int domain, int type, int protocol) noexcept {
  return d::made(d::real_socket(domain, type, protocol));
}

EVENTLET_API int socketpair(int domain, int type, int protocol, int fds[2]) noexcept {
  return d::made_pair(d::real_socketpair(domain, type, protocol, fds), fds);
}

EVENTLET_API int pipe(int fds[2]) noexcept { return d::made_pair(d::real_pipe(fds), fds); }

EVENTLET_API int pipe2(int fds[2], int flags) noexcept {
  return d::made_pair(d::real_pipe2(fds, flags), fds);
}

EVENTLET_API int dup(int fd) noexcept { return d::duplicated(fd, d::real_dup(fd)); }

EVENTLET_API int dup2(int from, int to) noexcept {
  if (from != to) d::closing(to);
  return d::duplicated(from, d::real_dup2(from, to));
}

EVENTLET_API int dup3(int from, int to, int flags) noexcept {
  if (from != to) d::closing(to);
  return d::duplicated(from, d::real_dup3(from, to, flags));
}

EVENTLET_API int close(int fd) {
  d::closing(fd);
  d::forget(fd);
  return d::real_close(fd);
}

EVENTLET_API int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);  // as the C library reads it: one word, whatever its type
  va_end(ap);
  return d::fcntl_call(fd, cmd, arg);
}

EVENTLET_API int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return d::fcntl_call(fd, cmd, arg);
}

EVENTLET_API int ioctl(int fd, unsigned long request, ...) noexcept {
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  if (request == FIONBIO && arg && (d::flags(fd) & d::managed)) {
    // The kernel file stays non-blocking; the program's mode is kept.
    *static_cast<int*>(arg) ? d::entry(fd)->flags.fetch_or(d::nonblock)
                            : d::entry(fd)->flags.fetch_and(~unsigned(d::nonblock));
    return 0;
  }
  return d::real_ioctl(fd, request, arg);
}

EVENTLET_API int setsockopt(int fd, int level, int name, const void* value,
                            socklen_t len) noexcept {
  const int r = d::real_setsockopt(fd, level, name, value, len);
  if (r == 0 && level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO) &&
      len >= sizeof(timeval)) {
    if (d::fd_entry* e = d::find(fd)) {
      const auto* tv = static_cast<const timeval*>(value);
      const std::int64_t ns = std::int64_t(tv->tv_sec) * 1000000000 + tv->tv_usec * 1000;
      (name == SO_RCVTIMEO ? e->recv_timeout : e->send_timeout).store(ns);
    }
  }
  return r;
}

}  // extern "C"
