// socket: a BSD socket whose blocking calls suspend only the calling greenthread, like
// eventlet's GreenSocket. Each call tries the system call first; when it would block, the
// greenthread waits in the hub (trampoline) and tries again.
//
//   green::socket s(AF_INET, SOCK_STREAM);
//   s.connect({"127.0.0.1", 8080});
//   s.sendall("GET / HTTP/1.0\r\n\r\n");
//   std::string reply = s.recv(4096);  // "" at EOF
//
// Bytes are chars: data to send is a std::string_view, data received is a std::string or
// goes into a std::span<char>. Timeouts follow Python's socket: set_timeout(nullopt) blocks
// (the default), set_timeout(0) never waits (a call that would block throws
// std::system_error(EAGAIN), or EINPROGRESS for connect), set_timeout(t) makes each call throw
// eventlet::timeout_error after t seconds. Operating-system errors are std::system_error with
// the errno, their message naming the call ("recv: Connection reset by peer"). A socket is
// used by one thread (its hub's); one greenthread at a time may wait to read it, and one to
// write it (a second is hubs::hub_error).
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../base/export.hpp"
#include "address.hpp"
#include "detail/descriptor.hpp"

namespace eventlet::green {

class tls_socket;

class EVENTLET_API socket {
 public:
  // socket() is a closed socket, what a moved-from one is too.
  socket() noexcept = default;

  // socket() makes a socket, as socket(2) (AF_INET, SOCK_STREAM, ...), non-blocking and
  // close-on-exec. Throws std::system_error.
  socket(int family, int type, int protocol = 0);

  // adopt() takes ownership of an open socket fd, making it non-blocking and close-on-exec.
  // Throws std::invalid_argument if `fd` is not a socket, std::system_error if it is not
  // open; the caller keeps the fd when it throws.
  static socket adopt(int fd);

  socket(socket&&) noexcept = default;
  socket& operator=(socket&&) noexcept = default;

  // ~socket() closes it.
  ~socket() = default;

  // accept() waits for a connection and returns its socket (in blocking mode) and the peer's
  // address. Throws std::system_error (EMFILE when out of fds), timeout_error.
  std::pair<socket, address> accept();

  // connect() connects to `to`, waiting until the connection is made. Throws
  // std::system_error (ECONNREFUSED, ...), timeout_error.
  void connect(const address& to);

  // bind() binds it to `local`. Throws std::system_error (EADDRINUSE, ...).
  void bind(const address& local);

  // listen() makes it accept connections, with up to `backlog` pending. Throws
  // std::system_error.
  void listen(int backlog = 128);

  // recv() waits for data and returns up to `max` bytes of it; "" means the peer shut its
  // side down (EOF). Throws std::system_error (ECONNRESET, ...), timeout_error.
  std::string recv(std::size_t max, int flags = 0);

  // recv_into() is recv() into `buffer`; returns how many bytes came (0: EOF).
  std::size_t recv_into(std::span<char> buffer, int flags = 0);

  // send() waits until it can send and sends what fits of `data` now, at least one byte;
  // returns how much. SIGPIPE is never raised: a closed peer is std::system_error(EPIPE or
  // ECONNRESET). Throws also timeout_error.
  std::size_t send(std::string_view data, int flags = 0);

  // sendall() sends all of `data`, waiting as often as needed; the timeout bounds the whole
  // call. Throws as send() does; what was sent before an error stays sent.
  void sendall(std::string_view data, int flags = 0);
  // sendall() with pieces sends all of them, in order, gathering up to 64 into each system
  // call (sendmsg), so that a head and a body leave in one. Throws as sendall() does.
  void sendall(std::span<const std::string_view> pieces, int flags = 0);
  // sendfile() sends up to `count` bytes of the file `in_fd` from `offset`, advancing it by
  // what it sent, with sendfile(2) (the bytes never enter user space); it waits until it can
  // send, and returns how many bytes it sent (0: the file ends before `offset`). Throws
  // std::system_error (EINVAL for a file sendfile(2) cannot read, EPIPE, ...), timeout_error.
  std::size_t sendfile(int in_fd, off_t& offset, std::size_t count);

  // recvfrom() waits for a datagram and returns up to `max` bytes of it (a longer one is
  // truncated) and its sender's address. Throws std::system_error, timeout_error.
  std::pair<std::string, address> recvfrom(std::size_t max, int flags = 0);

  // sendto() sends `data` as one datagram to `to`; returns the bytes sent. Throws
  // std::system_error (EMSGSIZE, ...), timeout_error.
  std::size_t sendto(std::string_view data, const address& to, int flags = 0);

  // shutdown() shuts reading (SHUT_RD), writing (SHUT_WR) or both (SHUT_RDWR) down: after
  // SHUT_WR the peer reads EOF and may still send. Throws std::system_error (ENOTCONN).
  void shutdown(int how);

  // close() closes the socket; a greenthread waiting on it wakes with std::system_error(EBADF)
  // saying so. Idempotent; never throws.
  void close() noexcept { fd_.close(); }

  // setsockopt() sets an option of trivially copyable type (int, linger, timeval, ...).
  // Throws std::system_error.
  template <typename T>
  void setsockopt(int level, int name, const T& value) {
    static_assert(std::is_trivially_copyable_v<T>, "socket options are plain bytes");
    set_option(level, name, &value, sizeof value);
  }

  // getsockopt() reads an option of trivially copyable type. Throws std::system_error.
  template <typename T>
  T getsockopt(int level, int name) const {
    static_assert(std::is_trivially_copyable_v<T>, "socket options are plain bytes");
    T value{};
    get_option(level, name, &value, sizeof value);
    return value;
  }

  // The common options, each a setsockopt(): SO_REUSEADDR, SO_REUSEPORT, TCP_NODELAY,
  // SO_KEEPALIVE, SO_SNDBUF and SO_RCVBUF (in bytes; the kernel may round them).
  void set_reuse_address(bool on) { setsockopt(SOL_SOCKET, SO_REUSEADDR, int(on)); }
  void set_reuse_port(bool on) { setsockopt(SOL_SOCKET, SO_REUSEPORT, int(on)); }
  void set_nodelay(bool on);
  void set_keepalive(bool on) { setsockopt(SOL_SOCKET, SO_KEEPALIVE, int(on)); }
  void set_send_buffer(int bytes) { setsockopt(SOL_SOCKET, SO_SNDBUF, bytes); }
  void set_receive_buffer(int bytes) { setsockopt(SOL_SOCKET, SO_RCVBUF, bytes); }

  // getsockname() is the local address. Throws std::system_error.
  address getsockname() const;

  // getpeername() is the connected peer's address. Throws std::system_error (ENOTCONN).
  address getpeername() const;

  // fileno() is the fd, or -1 once closed.
  int fileno() const noexcept { return fd_.get(); }

  // set_timeout() sets the timeout of each later call: nullopt blocks, 0 never waits, t > 0
  // throws timeout_error after t seconds. Throws std::invalid_argument if negative or NaN.
  void set_timeout(std::optional<double> seconds) { fd_.set_timeout(seconds); }

  // timeout() is the timeout set_timeout() set (nullopt: blocking).
  std::optional<double> timeout() const noexcept { return fd_.timeout(); }

 private:
  friend std::pair<socket, socket> socketpair(int family, int type, int protocol);
  friend class tls_socket;  // takes over the descriptor (ssl.hpp)
  explicit socket(detail::descriptor fd) noexcept : fd_(std::move(fd)) {}
  void set_option(int level, int name, const void* value, socklen_t size);
  void get_option(int level, int name, void* value, socklen_t size) const;

  detail::descriptor fd_;
};

// socketpair() makes two connected sockets (AF_UNIX, SOCK_STREAM by default), as
// socketpair(2). Throws std::system_error.
EVENTLET_API std::pair<socket, socket> socketpair(int family = AF_UNIX, int type = SOCK_STREAM,
                                                  int protocol = 0);

}  // namespace eventlet::green
