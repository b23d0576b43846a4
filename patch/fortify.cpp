// The fortified variants (_FORTIFY_SOURCE) of the interposed calls: the C library's size check,
// then the interposed call. A program or library built with fortification calls these.
#include <poll.h>
#include <sys/socket.h>

#include "../base/export.hpp"
#include "detail/interposed.hpp"

namespace d = eventlet::patch::detail;

extern "C" {

[[noreturn]] void __chk_fail();

EVENTLET_API ssize_t __read_chk(int fd, void* buf, size_t n, size_t size) {
  if (n > size) __chk_fail();
  return d::read(fd, buf, n);
}

EVENTLET_API ssize_t __recv_chk(int fd, void* buf, size_t n, size_t size, int flags) {
  if (n > size) __chk_fail();
  return d::recv(fd, buf, n, flags);
}

EVENTLET_API ssize_t __recvfrom_chk(int fd, void* buf, size_t n, size_t size, int flags,
                                    sockaddr* addr, socklen_t* len) {
  if (n > size) __chk_fail();
  return d::recvfrom(fd, buf, n, flags, addr, len);
}

EVENTLET_API int __poll_chk(pollfd* fds, nfds_t n, int timeout_ms, size_t size) {
  if (size / sizeof(pollfd) < n) __chk_fail();
  return d::poll(fds, n, timeout_ms);
}

EVENTLET_API int __ppoll_chk(pollfd* fds, nfds_t n, const timespec* timeout, const sigset_t* mask,
                             size_t size) {
  if (size / sizeof(pollfd) < n) __chk_fail();
  return d::ppoll(fds, n, timeout, mask);
}

}  // extern "C"
