#include "fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "errors.hpp"

namespace eventlet::os {

void set_nonblocking(int fd, const char* what) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
    throw_error(errno, what);
}

bool is_open(int fd) noexcept { return fcntl(fd, F_GETFD) >= 0; }

int duplicate(int fd, int lowest) noexcept { return fcntl(fd, F_DUPFD_CLOEXEC, lowest); }

void make_pipe(int ends[2], bool nonblocking, const char* what) {
  if (pipe2(ends, O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0)) != 0) throw_error(errno, what);
}

int poll_now(pollfd* fds, std::size_t n) noexcept {
  int ready;
  while ((ready = ::poll(fds, n, 0)) < 0 && errno == EINTR) {
  }
  return ready;
}

}  // namespace eventlet::os
