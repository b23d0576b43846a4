// wake_fd: a descriptor that another thread makes readable to wake a loop waiting on it (an
// eventfd; a pipe where eventfd is missing). Writes from any number of threads before the
// loop drains it wake the loop once.
#pragma once

#include "export.hpp"

namespace eventlet::os {

class EVENTLET_API wake_fd {
 public:
  // wake_fd() makes one, non-blocking and close-on-exec, with the lowest free number(s).
  // Throws std::system_error (EMFILE, ENFILE).
  wake_fd();
  wake_fd(const wake_fd&) = delete;
  wake_fd& operator=(const wake_fd&) = delete;
  ~wake_fd();

  // fd() is what the loop watches for reading.
  int fd() const noexcept { return read_; }

  // notify() makes fd() readable. Thread-safe; never blocks, never throws.
  void notify() const noexcept;

  // drain() makes fd() unreadable again, until the next notify().
  void drain() const noexcept;

 private:
  int read_ = -1, write_ = -1;  // the same eventfd twice, or a pipe's ends
};

}  // namespace eventlet::os
