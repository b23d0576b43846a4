// The interposed reads, writes, accept() and connect(): green in a greenthread (green.hpp,
// transfer()), the C library's own call everywhere else (plain_call(): first, and cheap).
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <vector>

#include "detail/calls.hpp"
#include "detail/green.hpp"
#include "detail/interposed.hpp"

using eventlet::hubs::io;
namespace d = eventlet::patch::detail;

namespace eventlet::patch::detail {

real<ssize_t(int, void*, size_t)> real_read{"read"};
real<ssize_t(int, const void*, size_t)> real_write{"write"};
real<ssize_t(int, const iovec*, int)> real_readv{"readv"};
real<ssize_t(int, const iovec*, int)> real_writev{"writev"};
real<ssize_t(int, void*, size_t, int)> real_recv{"recv"};
real<ssize_t(int, const void*, size_t, int)> real_send{"send"};
real<ssize_t(int, void*, size_t, int, sockaddr*, socklen_t*)> real_recvfrom{"recvfrom"};
real<ssize_t(int, const void*, size_t, int, const sockaddr*, socklen_t)> real_sendto{"sendto"};
real<ssize_t(int, msghdr*, int)> real_recvmsg{"recvmsg"};
real<ssize_t(int, const msghdr*, int)> real_sendmsg{"sendmsg"};
real<int(int, sockaddr*, socklen_t*)> real_accept{"accept"};
real<int(int, sockaddr*, socklen_t*, int)> real_accept4{"accept4"};
real<int(int, const sockaddr*, socklen_t)> real_connect{"connect"};

namespace {

// The bytes of iov[0, count) after the first `done`, in `rest`.
void skip(const iovec* iov, int count, std::size_t done, std::vector<iovec>& rest) noexcept {
  rest.clear();
  try {
    for (int i = 0; i < count; ++i) {
      if (done >= iov[i].iov_len) {
        done -= iov[i].iov_len;
        continue;
      }
      rest.push_back({static_cast<char*>(iov[i].iov_base) + done, iov[i].iov_len - done});
      done = 0;
    }
  } catch (...) {  // no memory: the call writes nothing more (and says so: 0 bytes)
    rest.clear();
  }
}

std::size_t total_of(const iovec* iov, int count) noexcept {
  std::size_t n = 0;
  for (int i = 0; i < count; ++i) n += iov[i].iov_len;
  return n;
}

// A new fd from accept(): whatever the table said of an fd with its number is out of date.
int accepted(int fd) noexcept {
  if (fd >= 0) forget(fd);
  return fd;
}

// connect() in a greenthread on a blocking socket: the kernel's EINPROGRESS, then a wait for
// the socket to be writable (for at most SO_SNDTIMEO; EINPROGRESS after it, as the kernel
// says), then the connection's result.
int green_connect(hubs::hub& h, int fd, const sockaddr* addr, socklen_t len) noexcept {
  const int saved = errno;
  if (real_connect(fd, addr, len) == 0) return 0;
  if (errno != EINPROGRESS) return -1;
  const interest one{fd, io::write};
  if (const int e = wait(h, &one, 1, timeout_of(fd, io::write))) {
    errno = e == ETIMEDOUT ? EINPROGRESS : e;
    return -1;
  }
  int error = 0;
  socklen_t size = sizeof error;
  if (real_getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) return -1;
  if (error) {
    errno = error;
    return -1;
  }
  errno = saved;
  return 0;
}

// The interposed calls past plain_call(): each out of line, so that the fast path calling them
// needs no frame.

[[gnu::noinline]] ssize_t transfer_read(int fd, void* buf, size_t n) noexcept {
  return transfer(fd, io::read, false, [=] { return real_read(fd, buf, n); });
}

[[gnu::noinline]] ssize_t transfer_recv(int fd, void* buf, size_t n, int flags) noexcept {
  return transfer(fd, io::read, flags & MSG_DONTWAIT, [=] { return real_recv(fd, buf, n, flags); });
}

[[gnu::noinline]] ssize_t transfer_recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* addr,
                                            socklen_t* len) noexcept {
  return transfer(fd, io::read, flags & MSG_DONTWAIT,
                  [=] { return real_recvfrom(fd, buf, n, flags, addr, len); });
}

[[gnu::noinline]] ssize_t transfer_write(int fd, const void* buf, size_t n) noexcept {
  const char* p = static_cast<const char*>(buf);
  return transfer_all(fd, n, false,
                      [=](size_t done) { return real_write(fd, p + done, n - done); });
}

[[gnu::noinline]] ssize_t transfer_readv(int fd, const iovec* iov, int count) noexcept {
  return transfer(fd, io::read, false, [=] { return real_readv(fd, iov, count); });
}

[[gnu::noinline]] ssize_t transfer_writev(int fd, const iovec* iov, int count) noexcept {
  std::vector<iovec> rest;
  return transfer_all(fd, total_of(iov, count), false, [&](size_t done) {
    if (!done) return real_writev(fd, iov, count);
    skip(iov, count, done, rest);
    return real_writev(fd, rest.data(), int(rest.size()));
  });
}

[[gnu::noinline]] ssize_t transfer_send(int fd, const void* buf, size_t n, int flags) noexcept {
  const char* p = static_cast<const char*>(buf);
  return transfer_all(fd, n, flags & MSG_DONTWAIT,
                      [=](size_t done) { return real_send(fd, p + done, n - done, flags); });
}

[[gnu::noinline]] ssize_t transfer_sendto(int fd, const void* buf, size_t n, int flags,
                                          const sockaddr* addr, socklen_t len) noexcept {
  const char* p = static_cast<const char*>(buf);
  return transfer_all(fd, n, flags & MSG_DONTWAIT, [=](size_t done) {
    return real_sendto(fd, p + done, n - done, flags, addr, len);
  });
}

[[gnu::noinline]] ssize_t transfer_recvmsg(int fd, msghdr* msg, int flags) noexcept {
  return transfer(fd, io::read, flags & MSG_DONTWAIT, [=] { return real_recvmsg(fd, msg, flags); });
}

[[gnu::noinline]] ssize_t transfer_sendmsg(int fd, const msghdr* msg, int flags) noexcept {
  std::vector<iovec> rest;
  return transfer_all(fd, total_of(msg->msg_iov, int(msg->msg_iovlen)), flags & MSG_DONTWAIT,
                      [&](size_t done) {
                        if (!done) return real_sendmsg(fd, msg, flags);
                        skip(msg->msg_iov, int(msg->msg_iovlen), done, rest);
                        msghdr more{};  // the address and ancillary data went with the first part
                        more.msg_iov = rest.data();
                        more.msg_iovlen = rest.size();
                        return real_sendmsg(fd, &more, flags);
                      });
}

}  // namespace

ssize_t read(int fd, void* buf, size_t n) {
  if (plain_call(fd)) [[likely]]
    return real_read(fd, buf, n);
  return transfer_read(fd, buf, n);
}

ssize_t recv(int fd, void* buf, size_t n, int flags) {
  if (plain_call(fd)) [[likely]]
    return real_recv(fd, buf, n, flags);
  return transfer_recv(fd, buf, n, flags);
}

ssize_t recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* addr, socklen_t* len) {
  if (plain_call(fd)) [[likely]]
    return real_recvfrom(fd, buf, n, flags, addr, len);
  return transfer_recvfrom(fd, buf, n, flags, addr, len);
}

}  // namespace eventlet::patch::detail

extern "C" {

EVENTLET_API ssize_t read(int fd, void* buf, size_t n) { return d::read(fd, buf, n); }

EVENTLET_API ssize_t write(int fd, const void* buf, size_t n) {
  if (d::plain_call(fd)) [[likely]]
    return d::real_write(fd, buf, n);
  return d::transfer_write(fd, buf, n);
}

EVENTLET_API ssize_t readv(int fd, const iovec* iov, int count) {
  if (d::plain_call(fd)) [[likely]]
    return d::real_readv(fd, iov, count);
  return d::transfer_readv(fd, iov, count);
}

EVENTLET_API ssize_t writev(int fd, const iovec* iov, int count) {
  if (d::plain_call(fd)) [[likely]]
    return d::real_writev(fd, iov, count);
  return d::transfer_writev(fd, iov, count);
}

EVENTLET_API ssize_t recv(int fd, void* buf, size_t n, int flags) {
  return d::recv(fd, buf, n, flags);
}

EVENTLET_API ssize_t send(int fd, const void* buf, size_t n, int flags) {
  if (d::plain_call(fd)) [[likely]]
    return d::real_send(fd, buf, n, flags);
  return d::transfer_send(fd, buf, n, flags);
}

EVENTLET_API ssize_t recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* addr,
                              socklen_t* len) {
  return d::recvfrom(fd, buf, n, flags, addr, len);
}

EVENTLET_API ssize_t sendto(int fd, const void* buf, size_t n, int flags, const sockaddr* addr,
                            socklen_t len) {
  if (d::plain_call(fd)) [[likely]]
    return d::real_sendto(fd, buf, n, flags, addr, len);
  return d::transfer_sendto(fd, buf, n, flags, addr, len);
}

EVENTLET_API ssize_t recvmsg(int fd, msghdr* msg, int flags) {
  if (d::plain_call(fd)) [[likely]]
    return d::real_recvmsg(fd, msg, flags);
  return d::transfer_recvmsg(fd, msg, flags);
}

EVENTLET_API ssize_t sendmsg(int fd, const msghdr* msg, int flags) {
  if (d::plain_call(fd)) [[likely]]
    return d::real_sendmsg(fd, msg, flags);
  return d::transfer_sendmsg(fd, msg, flags);
}

EVENTLET_API int accept(int fd, sockaddr* addr, socklen_t* len) {
  if (d::plain_call(fd)) [[likely]]
    return d::accepted(d::real_accept(fd, addr, len));
  return d::accepted(
      d::transfer(fd, io::read, false, [=] { return d::real_accept(fd, addr, len); }));
}

EVENTLET_API int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  if (d::plain_call(fd)) [[likely]]
    return d::accepted(d::real_accept4(fd, addr, len, flags));
  return d::accepted(
      d::transfer(fd, io::read, false, [=] { return d::real_accept4(fd, addr, len, flags); }));
}

EVENTLET_API int connect(int fd, const sockaddr* addr, socklen_t len) {
  eventlet::hubs::hub* h = d::green_hub();
  if (h) {
    const unsigned f = d::adopt(fd);
    if ((f & (d::managed | d::nonblock)) == d::managed) return d::green_connect(*h, fd, addr, len);
  }
  return d::real_connect(fd, addr, len);
}

}  // extern "C"
