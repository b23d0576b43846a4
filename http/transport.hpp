// transport: the connection an HTTP server, client or WebSocket speaks over — a green::socket
// or a green::tls_socket, which it owns — with the calls they need from either.
//
//   http::transport t(green::connect({"127.0.0.1", 8080}));
//   const std::string_view pieces[] = {head, body};
//   t.sendall(pieces);  // one sendmsg on a plain socket
//
// Errors are the socket's: std::system_error, timeout_error, and green::tls_error for TLS.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <variant>

#include "../base/export.hpp"
#include "../green/socket.hpp"
#include "../green/tls.hpp"

namespace eventlet::http {

class EVENTLET_API transport {
 public:
  // transport() is a closed transport.
  transport() noexcept = default;
  explicit transport(green::socket s) noexcept : s_(std::move(s)) {}
  explicit transport(green::tls_socket s) noexcept : s_(std::move(s)) {}

  // recv_into() waits for data and reads up to buffer.size() bytes of it; 0 at EOF (for TLS,
  // a clean close). Throws std::system_error, timeout_error, green::tls_error.
  std::size_t recv_into(std::span<char> buffer);
  // send() sends what fits of `data` now, waiting until something fits; returns how much.
  std::size_t send(std::string_view data);
  // sendall() sends all of `data`; the timeout bounds the whole call.
  void sendall(std::string_view data);
  // sendall() with pieces sends them all in order: gathered into one sendmsg per 64 pieces on
  // a plain socket, into TLS records of up to 16 KiB over TLS.
  void sendall(std::span<const std::string_view> pieces);
  // sendfile() sends `count` bytes of the file `fd` from `offset` (advanced by what is sent):
  // with sendfile(2) on a plain socket, read and encrypted over TLS. Throws std::system_error
  // (EINVAL: the file ends before `count` bytes), and as sendall() does.
  void sendfile(int fd, off_t& offset, std::size_t count);
  // shutdown_write() says the sender is done (TCP FIN, or TLS close_notify): the peer reads
  // EOF and may still send. Throws std::system_error (ENOTCONN), green::tls_error.
  void shutdown_write();
  // close() closes it; a greenthread waiting on it wakes with std::system_error(EBADF).
  // Idempotent; never throws.
  void close() noexcept;

  // set_timeout() and timeout() are the socket's (nullopt: block; t: each call waits at most
  // t seconds). set_timeout() throws std::invalid_argument if negative or NaN.
  void set_timeout(std::optional<double> seconds);
  std::optional<double> timeout() const noexcept;
  // fileno() is the fd, or -1 once closed.
  int fileno() const noexcept;

  // plain() and tls() are the socket, or nullptr if it is the other kind.
  green::socket* plain() noexcept { return std::get_if<green::socket>(&s_); }
  green::tls_socket* tls() noexcept { return std::get_if<green::tls_socket>(&s_); }

 private:
  std::variant<green::socket, green::tls_socket> s_;
};

}  // namespace eventlet::http
