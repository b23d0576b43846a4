#include "socket.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "../base/fd.hpp"
#include "../base/signal_mask.hpp"
#include "../coros/greenthread.hpp"

namespace eventlet::green {

using hubs::io;

namespace {

// The address a call such as getsockname(2) fills in.
template <typename Call>
address fetch_address(const char* what, Call call) {
  sockaddr_storage storage;
  socklen_t length = sizeof storage;
  if (call(reinterpret_cast<sockaddr*>(&storage), &length) < 0) os::throw_error(errno, what);
  return address(reinterpret_cast<sockaddr*>(&storage), length);
}

// sendfile(2) has no MSG_NOSIGNAL: SIGPIPE is blocked on this thread around it.
ssize_t sendfile_without_sigpipe(int out, int in, off_t* offset, std::size_t count) {
  const os::no_sigpipe quiet;
  return ::sendfile(out, in, offset, count);
}

}  // namespace

socket::socket(int family, int type, int protocol) {
  const int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) os::throw_error(errno, "socket");
  fd_ = detail::descriptor(fd);
}

socket socket::adopt(int fd) {
  struct stat st;
  if (fstat(fd, &st) < 0) os::throw_error(errno, "socket::adopt");
  if (!S_ISSOCK(st.st_mode))
    throw std::invalid_argument("socket::adopt: fd " + std::to_string(fd) +
                                " is not a socket (wrap other fds in green::fd)");
  os::set_nonblocking(fd, "socket::adopt");
  return socket(detail::descriptor(fd));
}

std::pair<socket, address> socket::accept() {
  sockaddr_storage peer;
  socklen_t length = 0;
  const int fd = fd_.call("accept", io::read, [&](int listener) {
    length = sizeof peer;
    return ::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &length,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
  });
  socket connection{detail::descriptor(fd)};
  return {std::move(connection), address(reinterpret_cast<sockaddr*>(&peer), length)};
}

void socket::connect(const address& to) {
  // As eventlet does: connect, and while the connection is under way (EINPROGRESS) wait until
  // writable, check SO_ERROR and ask again, until connect(2) says it is done (0 or EISCONN).
  // A Unix listener with a full backlog says EAGAIN, and nothing tells when it has room (poll
  // reports the unconnected socket writable at once, which would spin): retry after a pause
  // that doubles from 1 ms to 50 ms.
  const double until = fd_.deadline();
  double pause = 0.001;
  for (;;) {
    if (::connect(fd_.open("connect"), to.data(), to.size()) == 0 || errno == EISCONN) return;
    const int error = errno == EINTR ? EINPROGRESS : errno;
    if (error != EINPROGRESS && error != EALREADY && error != EAGAIN)
      os::throw_error(error, "connect");
    if (fd_.nonblocking()) os::throw_error(error, "connect");
    if (error == EAGAIN) {
      const double left = until < 0 ? pause : until - hubs::hub::clock();
      if (left <= 0) throw timeout_error("connect: timed out");
      eventlet::sleep(std::min(pause, left));
      pause = std::min(pause * 2, 0.05);
      continue;
    }
    fd_.wait("connect", io::write, until);
    if (const int failed = getsockopt<int>(SOL_SOCKET, SO_ERROR))
      os::throw_error(failed, "connect");
  }
}

void socket::bind(const address& local) {
  if (::bind(fd_.open("bind"), local.data(), local.size()) < 0) os::throw_error(errno, "bind");
}

void socket::listen(int backlog) {
  if (::listen(fd_.open("listen"), backlog) < 0) os::throw_error(errno, "listen");
}

std::string socket::recv(std::size_t max, int flags) {
  std::string data(max, '\0');
  data.resize(recv_into(data, flags));
  return data;
}

std::size_t socket::recv_into(std::span<char> buffer, int flags) {
  return fd_.call("recv", io::read,
                  [&](int fd) { return ::recv(fd, buffer.data(), buffer.size(), flags); });
}

std::size_t socket::send(std::string_view data, int flags) {
  return fd_.call("send", io::write, [&](int fd) {
    return ::send(fd, data.data(), data.size(), flags | MSG_NOSIGNAL);
  });
}

void socket::sendall(std::string_view data, int flags) {
  const double until = fd_.deadline();
  const auto send_some = [&](int fd) {
    return ::send(fd, data.data(), data.size(), flags | MSG_NOSIGNAL);
  };
  while (!data.empty()) data.remove_prefix(fd_.call("sendall", io::write, send_some, until));
}

std::pair<std::string, address> socket::recvfrom(std::size_t max, int flags) {
  std::string data(max, '\0');
  sockaddr_storage from;
  socklen_t length = 0;
  data.resize(fd_.call("recvfrom", io::read, [&](int fd) {
    length = sizeof from;
    return ::recvfrom(fd, data.data(), data.size(), flags, reinterpret_cast<sockaddr*>(&from),
                      &length);
  }));
  return {std::move(data), address(reinterpret_cast<sockaddr*>(&from), length)};
}

void socket::sendall(std::span<const std::string_view> pieces, int flags) {
  constexpr std::size_t max_gather = 64;
  const double until = fd_.deadline();
  std::size_t first = 0, skip = 0;  // the next byte to send: pieces[first][skip]
  while (first < pieces.size()) {
    iovec iov[max_gather];
    std::size_t n = 0;
    for (std::size_t i = first; i < pieces.size() && n < max_gather; ++i) {
      const std::string_view p = i == first ? pieces[i].substr(skip) : pieces[i];
      if (!p.empty()) iov[n++] = {const_cast<char*>(p.data()), p.size()};
    }
    if (n == 0) return;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = n;
    std::size_t sent = fd_.call(
        "sendall", io::write, [&](int fd) { return ::sendmsg(fd, &msg, flags | MSG_NOSIGNAL); },
        until);
    while (first < pieces.size() && sent >= pieces[first].size() - skip) {
      sent -= pieces[first].size() - skip;
      ++first;
      skip = 0;
    }
    skip += sent;
  }
}

std::size_t socket::sendfile(int in_fd, off_t& offset, std::size_t count) {
  return fd_.call("sendfile", io::write,
                  [&](int fd) { return sendfile_without_sigpipe(fd, in_fd, &offset, count); });
}

std::size_t socket::sendto(std::string_view data, const address& to, int flags) {
  return fd_.call("sendto", io::write, [&](int fd) {
    return ::sendto(fd, data.data(), data.size(), flags | MSG_NOSIGNAL, to.data(), to.size());
  });
}

void socket::shutdown(int how) {
  if (::shutdown(fd_.open("shutdown"), how) < 0) os::throw_error(errno, "shutdown");
}

void socket::set_nodelay(bool on) { setsockopt(IPPROTO_TCP, TCP_NODELAY, int(on)); }

void socket::set_option(int level, int name, const void* value, socklen_t size) {
  if (::setsockopt(fd_.open("setsockopt"), level, name, value, size) < 0)
    os::throw_error(errno, "setsockopt");
}

void socket::get_option(int level, int name, void* value, socklen_t size) const {
  if (::getsockopt(fd_.open("getsockopt"), level, name, value, &size) < 0)
    os::throw_error(errno, "getsockopt");
}

address socket::getsockname() const {
  const int fd = fd_.open("getsockname");
  return fetch_address("getsockname",
                       [fd](sockaddr* a, socklen_t* n) { return ::getsockname(fd, a, n); });
}

address socket::getpeername() const {
  const int fd = fd_.open("getpeername");
  return fetch_address("getpeername",
                       [fd](sockaddr* a, socklen_t* n) { return ::getpeername(fd, a, n); });
}

std::pair<socket, socket> socketpair(int family, int type, int protocol) {
  int fds[2];
  if (::socketpair(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol, fds) < 0)
    os::throw_error(errno, "socketpair");
  return {socket(detail::descriptor(fds[0])), socket(detail::descriptor(fds[1]))};
}

}  // namespace eventlet::green
