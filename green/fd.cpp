#include "fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "../base/errors.hpp"
#include "../base/fd.hpp"

namespace eventlet::green {

using hubs::io;

fd::fd(int number) {
  os::set_nonblocking(number, "green::fd");
  fd_ = detail::descriptor(number);
}

std::string fd::read(std::size_t max) {
  std::string data(max, '\0');
  data.resize(read_into(data));
  return data;
}

std::size_t fd::read_into(std::span<char> buffer) {
  return fd_.call("read", io::read,
                  [&](int number) { return ::read(number, buffer.data(), buffer.size()); });
}

void fd::write(std::string_view data) {
  const double until = fd_.deadline();
  const auto write_some = [&](int number) { return ::write(number, data.data(), data.size()); };
  while (!data.empty()) data.remove_prefix(fd_.call("write", io::write, write_some, until));
}

std::size_t fd::write_some(std::string_view data) {
  return fd_.call("write_some", io::write,
                  [&](int number) { return ::write(number, data.data(), data.size()); });
}

void fd::wait(const char* what, io events, std::optional<double> timeout) {
  if (timeout && !(*timeout >= 0))
    throw std::invalid_argument(std::string(what) + ": the timeout must be >= 0 seconds");
  if (timeout && *timeout == 0) {  // a look: the hub's timer would end the wait before it looked
    if (fd_.get() < 0) os::throw_error(EBADF, what);
    pollfd p{fd_.get(), static_cast<short>(any(events & io::read) ? POLLIN : POLLOUT), 0};
    const int n = os::poll_now(&p, 1);
    if (n < 0) os::throw_error(errno, what);
    if (p.revents & POLLNVAL) os::throw_error(EBADF, what);
    if (n == 0) throw timeout_error(std::string(what) + ": timed out");
    return;
  }
  fd_.wait(what, events, timeout ? hubs::hub::clock() + *timeout : -1);
}

bool fd::try_wait(const char* what, io events, double timeout) {
  try {
    wait(what, events, timeout);
    return true;
  } catch (const timeout_error& e) {
    if (e.source() != 0) throw;  // a timeout object's, not ours
    return false;
  }
}

void fd::wait_readable(std::optional<double> timeout) { wait("wait_readable", io::read, timeout); }

void fd::wait_writable(std::optional<double> timeout) { wait("wait_writable", io::write, timeout); }

bool fd::try_wait_readable(double timeout) { return try_wait("wait_readable", io::read, timeout); }

bool fd::try_wait_writable(double timeout) { return try_wait("wait_writable", io::write, timeout); }

std::pair<fd, fd> pipe() {
  int ends[2];
  os::make_pipe(ends, true, "pipe");
  return {fd(detail::descriptor(ends[0])), fd(detail::descriptor(ends[1]))};
}

// O_NONBLOCK belongs to the open file description, which fd 0 and 1 share with their dups and
// usually with the shell and the other processes of a pipeline: setting it there would make
// their reads fail with EAGAIN, even after we exit (the classic "resource temporarily
// unavailable" in the shell). A dup does not help, since it shares the description. So, as
// libuv does for terminals, we open the file anew through /proc/self/fd, which gives a
// description of our own on the same terminal, pipe or FIFO, and make that one non-blocking.
// Regular files and block devices never block: a plain dup does, and keeps sharing the
// offset with fd 0 or 1. What cannot be reopened (a socket: ENXIO; no /proc) falls back to a
// dup with O_NONBLOCK set on the shared description, the only way left to wait for it.
fd fd::standard(int number, const char* what) {
  struct stat st;
  if (fstat(number, &st) < 0) os::throw_error(errno, what);
  if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
    const int copy = os::duplicate(number);
    if (copy < 0) os::throw_error(errno, what);
    return fd(detail::descriptor(copy));
  }
  const int access = fcntl(number, F_GETFL);
  if (access < 0) os::throw_error(errno, what);
  const std::string path = "/proc/self/fd/" + std::to_string(number);
  const int own =
      ::open(path.c_str(), (access & (O_ACCMODE | O_APPEND)) | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (own >= 0) return fd(detail::descriptor(own));
  const int copy = os::duplicate(number);
  if (copy < 0) os::throw_error(errno, what);
  try {
    return fd(copy);
  } catch (...) {
    ::close(copy);
    throw;
  }
}

fd standard_input() { return fd::standard(STDIN_FILENO, "standard_input"); }

fd standard_output() { return fd::standard(STDOUT_FILENO, "standard_output"); }

}  // namespace eventlet::green
