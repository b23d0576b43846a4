// fd: a green wrapper for any file descriptor (pipes, terminals, FIFOs, character devices),
// like eventlet's GreenPipe: read() and write() suspend only the calling greenthread.
//
//   auto [in, out] = green::pipe();
//   eventlet::spawn([&] { out.write("hello\n"); });
//   std::string s = in.read(100);  // "hello\n"
//
// Timeouts and errors are those of green::socket (set_timeout(), std::system_error naming the
// call, timeout_error). Writing to a pipe nobody reads raises SIGPIPE, as write(2) does,
// unless the program ignores SIGPIPE; then it is std::system_error(EPIPE). Regular files never
// block, so wrapping them gains nothing.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "../base/export.hpp"
#include "detail/descriptor.hpp"

namespace eventlet::green {

class EVENTLET_API fd {
 public:
  // fd() is a closed fd, what a moved-from one is too.
  fd() noexcept = default;

  // fd() takes ownership of the open fd `number`, making it close-on-exec and non-blocking
  // (a flag of the open file description, so dup'ed copies and other processes sharing it
  // see it too). Throws std::system_error(EBADF) if it is not open; the caller keeps it then.
  explicit fd(int number);

  fd(fd&&) noexcept = default;
  fd& operator=(fd&&) noexcept = default;

  // ~fd() closes it.
  ~fd() = default;

  // read() waits for data and returns up to `max` bytes of it; "" at EOF. Throws
  // std::system_error, timeout_error.
  std::string read(std::size_t max);

  // read_into() is read() into `buffer`; returns how many bytes came (0: EOF).
  std::size_t read_into(std::span<char> buffer);

  // write() writes all of `data`, waiting as often as needed; the timeout bounds the whole
  // call. Throws std::system_error, timeout_error; what was written before stays written.
  void write(std::string_view data);

  // write_some() waits until it can write and writes what fits of `data` now, at least one
  // byte; returns how much. Throws as write() does.
  std::size_t write_some(std::string_view data);

  // wait_readable() waits until reading would not block (data, EOF or an error). Throws
  // timeout_error if `timeout` seconds pass first (nullopt: no limit), std::system_error(EBADF)
  // if closed meanwhile, std::invalid_argument for a negative or NaN timeout.
  void wait_readable(std::optional<double> timeout = std::nullopt);

  // wait_writable() waits until writing would not block; as wait_readable().
  void wait_writable(std::optional<double> timeout = std::nullopt);

  // try_wait_readable() and try_wait_writable() are wait_readable() and wait_writable()
  // returning false rather than throwing when the time runs out.
  bool try_wait_readable(double timeout);
  bool try_wait_writable(double timeout);

  // close() closes it; a greenthread waiting on it wakes with std::system_error(EBADF).
  // Idempotent; never throws.
  void close() noexcept { fd_.close(); }

  // fileno() is the fd, or -1 once closed.
  int fileno() const noexcept { return fd_.get(); }

  // set_timeout() and timeout() are those of green::socket.
  void set_timeout(std::optional<double> seconds) { fd_.set_timeout(seconds); }
  std::optional<double> timeout() const noexcept { return fd_.timeout(); }

 private:
  friend std::pair<fd, fd> pipe();
  friend fd standard_input();
  friend fd standard_output();
  explicit fd(detail::descriptor d) noexcept : fd_(std::move(d)) {}
  static fd standard(int number, const char* what);
  void wait(const char* what, hubs::io events, std::optional<double> timeout);
  bool try_wait(const char* what, hubs::io events, double timeout);

  detail::descriptor fd_;
};

// pipe() makes a pipe as green fds: {read end, write end}. Throws std::system_error.
EVENTLET_API std::pair<fd, fd> pipe();

// standard_input() is a green fd reading what fd 0 reads; standard_output() one writing
// where fd 1 writes. Each call makes a new one, which leaves fd 0 and 1 as they were (they
// are not made non-blocking where it can be avoided: see fd.cpp). Throws std::system_error.
EVENTLET_API fd standard_input();
EVENTLET_API fd standard_output();

}  // namespace eventlet::green
