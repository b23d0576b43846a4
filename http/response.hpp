// response: how a server handler (server.hpp) answers. Status and headers may be set until
// the head is sent; then the body goes out by one of:
//
//   res.send("hello\n");          // head and body with Content-Length, in one sendmsg
//
//   res.headers().set("Content-Type", "text/plain");
//   res.write("part 1");          // streamed: chunked (HTTP/1.1) unless Content-Length was
//   res.write("part 2");          // set, which is then enforced; an HTTP/1.0 client gets a
//                                 // body ended by closing the connection
//
//   res.send_file(fd, 0, size);   // sendfile(2) on a plain connection
//
// What the handler leaves unfinished, the server finishes when it returns: a response never
// begun is sent with an empty body, a chunked one gets its last chunk, and a Content-Length
// body cut short closes the connection. The server sets Date (unless the handler did),
// Content-Length or Transfer-Encoding, and Connection ("close" on the last response of a
// connection, "keep-alive" for an HTTP/1.0 client that asked for it); it sends no Server
// field. A response to HEAD, or with status 204 or 304, carries no body (HEAD gets the fields
// the same GET would). The handler may set "Connection: close" itself to end the connection.
//
// Errors: std::logic_error for a call out of order (a second send(), a body after a
// response that has none, more bytes than its Content-Length), std::invalid_argument for bad
// values; and the connection's: std::system_error (EPIPE, ECONNRESET), timeout_error (after
// server_options::send_timeout), green::tls_error.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "../base/export.hpp"
#include "headers.hpp"
#include "transport.hpp"

namespace eventlet::http {

namespace detail {
class connection;
}

// What response::hijack() hands over: the connection, and the bytes received after the
// request's head that nothing has read (the undecoded rest of its body, if any, then whatever
// the client sent next).
struct hijacked {
  transport connection;
  std::string buffered;
};

class EVENTLET_API response {
 public:
  response(const response&) = delete;
  response& operator=(const response&) = delete;

  // set_status() sets the status and its reason phrase (by default the registered one,
  // status.hpp). Throws std::invalid_argument for a status outside 200..999 but 101, or a
  // reason with a control byte; std::logic_error once the head is sent.
  void set_status(int status, std::string_view reason = {});
  // status() is the status (200 unless set).
  int status() const noexcept { return status_; }
  // headers() is the header fields to send; changes after the head is sent have no effect.
  http::headers& headers() noexcept { return fields_; }

  // write_head() sends the status line and the header fields now, with no body yet. Throws
  // std::logic_error once sent, std::invalid_argument for a Content-Length that is not a
  // number, or a Transfer-Encoding field set by the handler, and the connection's errors.
  void write_head();
  // head_sent() tells whether the head has been sent (or hijack() was called).
  bool head_sent() const noexcept { return head_sent_; }

  // send() sends the whole response: the head, with Content-Length: body.size(), and `body`,
  // in one sendall (to HEAD: the head, with the handler's Content-Length if it set one).
  // Throws std::logic_error once the head is sent, if the handler set another Content-Length,
  // or for a body on a response that has none; as write_head() does.
  void send(std::string_view body);
  // write() sends `data` as the next part of the body, sending the head first if it has not
  // been (in the same sendall); "" sends nothing but the head. Throws std::logic_error beyond
  // the Content-Length or for bytes on a response that has no body; as write_head() does.
  void write(std::string_view data);
  // send_file() sends `count` bytes of the file `fd` from `offset` as the next part of the
  // body (the whole body, with Content-Length: count, when nothing was sent), with
  // sendfile(2) on a plain connection. Throws std::system_error (EINVAL: the file ends before
  // `count` bytes), and as write() does.
  void send_file(int fd, off_t offset, std::size_t count);

  // hijack() takes the connection from the server, which then never reads, writes or closes
  // it: for WebSocket and CONNECT-like protocols. What the handler sent stays sent; the
  // request and response may no longer be used to read or write. The transport has no
  // timeout set. Throws std::logic_error when called twice.
  hijacked hijack();

  // body_length() is the number of body bytes sent so far (not counting chunk framing).
  std::uint64_t body_length() const noexcept { return body_sent_; }

 private:
  friend class detail::connection;
  enum class framing { none, length, chunked, until_close };

  explicit response(detail::connection& c) noexcept : conn_(&c) {}
  // start() makes it a new response, to a request with `minor_version` that is a HEAD
  // (`head_only`: no body is sent) and whose client allows keep-alive (`client_keep_alive`).
  void start(bool head_only, int minor_version, bool client_keep_alive) noexcept;
  // build_head() decides the framing (`length`: a whole body of that many bytes is coming;
  // -1: unknown) and whether the connection stays open, and writes the head into head_.
  void build_head(std::int64_t length);
  // send_body() sends the head if not sent, then `data` framed, in one sendall.
  void send_body(std::string_view data);
  // transmit() sends `pieces`; a failure leaves the body broken (the connection closes).
  void transmit(std::span<const std::string_view> pieces);
  // finish() completes what the handler left; returns whether the connection may carry
  // another request.
  bool finish();
  // send_error() answers `status` with a short text body and "Connection: close", unless the
  // head was sent.
  void send_error(int status);

  detail::connection* conn_;
  int status_ = 200;
  std::string reason_;  // empty: the registered phrase
  http::headers fields_;
  std::string head_;  // the head built, kept for its capacity
  bool head_sent_ = false;
  framing framing_ = framing::none;
  bool head_only_ = false;  // a response to HEAD: the body is not sent
  int minor_version_ = 1;
  bool client_keep_alive_ = true;
  bool keep_alive_ = true;       // what the head built says
  bool broken_ = false;          // a send of the body failed: its framing cannot be trusted
  std::uint64_t length_ = 0;     // framing::length: the Content-Length
  std::uint64_t body_sent_ = 0;  // body bytes sent (or, for HEAD, that would have been)
};

}  // namespace eventlet::http
