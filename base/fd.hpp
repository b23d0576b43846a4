// fd helpers: the few fcntl(2) and pipe(2) calls that several floors make on descriptors.
// Each throws std::system_error naming the call and its purpose, or returns an errno where a
// caller must not throw.
#pragma once

#include <poll.h>

#include <cstddef>

#include "export.hpp"

namespace eventlet::os {

// set_nonblocking() puts `fd` in non-blocking mode and marks it close-on-exec. Throws
// std::system_error (EBADF for a closed fd), naming `what`.
EVENTLET_API void set_nonblocking(int fd, const char* what);

// is_open() tells whether `fd` is a descriptor of this process (F_GETFD succeeds).
EVENTLET_API bool is_open(int fd) noexcept;

// duplicate() returns a close-on-exec copy of `fd` numbered `lowest` or above, or -1 with
// errno set (EMFILE, EINVAL, EBADF).
EVENTLET_API int duplicate(int fd, int lowest = 0) noexcept;

// make_pipe() fills `ends` with a close-on-exec pipe, non-blocking if `nonblocking`. Throws
// std::system_error (EMFILE, ENFILE) naming `what`.
EVENTLET_API void make_pipe(int ends[2], bool nonblocking, const char* what);

// poll_now() is poll(2) on `fds` without waiting, again while interrupted (EINTR): the number
// of fds with events, or -1 with errno set.
EVENTLET_API int poll_now(pollfd* fds, std::size_t n) noexcept;

}  // namespace eventlet::os
