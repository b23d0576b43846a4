// The interposed calls that the fortified variants (fortify.cpp) also lead to. The reads are not
// noexcept: off the hub they end in a tail call to the C library's (io.cpp).
#pragma once
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

namespace eventlet::patch::detail {

ssize_t read(int fd, void* buf, size_t n);
ssize_t recv(int fd, void* buf, size_t n, int flags);
ssize_t recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* addr, socklen_t* len);
int poll(pollfd* fds, nfds_t n, int timeout_ms) noexcept;
int ppoll(pollfd* fds, nfds_t n, const timespec* timeout, const sigset_t* mask) noexcept;

}  // namespace eventlet::patch::detail
