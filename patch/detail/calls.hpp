// The C library's definitions of every call libeventlet_patch interposes (real.hpp), one
// object each, named real_<call>.
#pragma once
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "real.hpp"

namespace eventlet::patch::detail {

extern real<ssize_t(int, void*, size_t)> real_read;
extern real<ssize_t(int, const void*, size_t)> real_write;
extern real<ssize_t(int, const iovec*, int)> real_readv;
extern real<ssize_t(int, const iovec*, int)> real_writev;
extern real<ssize_t(int, void*, size_t, int)> real_recv;
extern real<ssize_t(int, const void*, size_t, int)> real_send;
extern real<ssize_t(int, void*, size_t, int, sockaddr*, socklen_t*)> real_recvfrom;
extern real<ssize_t(int, const void*, size_t, int, const sockaddr*, socklen_t)> real_sendto;
extern real<ssize_t(int, msghdr*, int)> real_recvmsg;
extern real<ssize_t(int, const msghdr*, int)> real_sendmsg;
extern real<int(int, sockaddr*, socklen_t*)> real_accept;
extern real<int(int, sockaddr*, socklen_t*, int)> real_accept4;
extern real<int(int, const sockaddr*, socklen_t)> real_connect;
extern real<int(pollfd*, nfds_t, int)> real_poll;
extern real<int(pollfd*, nfds_t, const timespec*, const sigset_t*)> real_ppoll;
extern real<int(int, fd_set*, fd_set*, fd_set*, timeval*)> real_select;
extern real<int(int, fd_set*, fd_set*, fd_set*, const timespec*, const sigset_t*)> real_pselect;
extern real<int(int, epoll_event*, int, int)> real_epoll_wait;
extern real<unsigned(unsigned)> real_sleep;
extern real<int(useconds_t)> real_usleep;
extern real<int(const timespec*, timespec*)> real_nanosleep;
extern real<int(clockid_t, int, const timespec*, timespec*)> real_clock_nanosleep;
extern real<int(int, int, int)> real_socket;
extern real<int(int, int, int, int*)> real_socketpair;
extern real<int(int*)> real_pipe;
extern real<int(int*, int)> real_pipe2;
extern real<int(int)> real_dup;
extern real<int(int, int)> real_dup2;
extern real<int(int, int, int)> real_dup3;
extern real<int(int)> real_close;
extern real<int(int, int, ...)> real_fcntl;
extern real<int(int, unsigned long, ...)> real_ioctl;
extern real<int(int, int, int, const void*, socklen_t)> real_setsockopt;
extern real<int(int, int, int, void*, socklen_t*)> real_getsockopt;

}  // namespace eventlet::patch::detail
