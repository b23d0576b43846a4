#include "wake_fd.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "errors.hpp"
#include "fd.hpp"

namespace eventlet::os {

wake_fd::wake_fd() {
  read_ = write_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (read_ >= 0) return;
  if (errno != ENOSYS && errno != EINVAL) throw_error(errno, "eventfd (a hub's wake-up fd)");
  int ends[2];
  make_pipe(ends, true, "pipe (a hub's wake-up fd)");
  read_ = ends[0];
  write_ = ends[1];
}

wake_fd::~wake_fd() {
  if (write_ != read_) close(write_);
  close(read_);
}

void wake_fd::notify() const noexcept {
  // Eight bytes: an eventfd's counter; on a pipe, a full pipe is already readable.
  const std::uint64_t one = 1;
  while (write(write_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void wake_fd::drain() const noexcept {
  std::uint64_t buffer[16];
  for (;;) {
    const ssize_t n = read(read_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    // An eventfd is emptied by one read; a pipe, once a read comes back short.
    if (write_ == read_ || n < static_cast<ssize_t>(sizeof buffer)) return;
  }
}

}  // namespace eventlet::os
