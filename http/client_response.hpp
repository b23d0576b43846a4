// client_response: a response the HTTP client (client.hpp) received: its status and headers,
// and its body, read as it comes.
//
//   http::client_response r = c.request("GET", "http://example.com/big");
//   r.status();                          // 200
//   r.headers().get("content-type");     // "application/octet-stream"
//   while (!(piece = r.read(64 * 1024)).empty()) out.write(piece);
//   r.trailers();                        // after a chunked body, its trailer fields
//
// The response holds its connection until its body has been read whole: then the connection
// goes back to the client's pool if both sides allowed keep-alive, else it is closed. A
// response destroyed (or close()d) before that closes its connection, unless the rest of the
// body has arrived already (up to 64 KiB of it still in the socket): then that is skipped
// without waiting, and the connection kept.
//
// Errors: client_error when the connection closes before the body's end (or, over TLS,
// without close_notify ending a body that the close delimits); parse_error (status 502) for
// broken chunked framing; timeout_error when no byte of the body comes for the client's
// body_timeout; std::system_error and green::tls_error from the connection. After a read
// throws, the connection is closed and later reads throw client_error.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

#include "../base/export.hpp"
#include "headers.hpp"
#include "message.hpp"
#include "url.hpp"

namespace eventlet::http {

// client_error: the client gave up on an exchange whose bytes were well-formed: the server
// closed the connection before the response or its body ended, a body was longer than the
// caller allowed, a redirect was refused (https to http, a bad Location) or there were more
// than allowed.
class EVENTLET_API client_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
class body_reader;
}

class EVENTLET_API client_response {
 public:
  client_response(client_response&&) noexcept;
  client_response& operator=(client_response&&) noexcept;
  // ~client_response() releases the connection as close() does.
  ~client_response();

  // status() is the status code (200, 404, ...); reason() the reason phrase as sent.
  int status() const noexcept { return head_.status; }
  const std::string& reason() const noexcept { return head_.reason; }
  // minor_version() is 1 for an HTTP/1.1 response, 0 for HTTP/1.0.
  int minor_version() const noexcept { return head_.minor_version; }
  // headers() is the response's header fields.
  const http::headers& headers() const noexcept { return head_.fields; }
  // url() is the URL that gave this response: the one requested, or where redirects led.
  const http::url& url() const noexcept { return url_; }

  // read() returns up to `max` bytes of the body, waiting for some if none are here yet; ""
  // once the body has been read whole (at once for a response without a body: to HEAD, 204,
  // 304). Throws as the header comment says.
  std::string read(std::size_t max);
  // read_all() returns the rest of the body. Throws client_error if it is longer than `max`
  // bytes (then the connection is closed), and as read() does.
  std::string read_all(std::size_t max);
  // done() tells whether the body has been read whole.
  bool done() const noexcept;
  // trailers() is the trailer section of a chunked body, once done() (else empty); never
  // merged into headers().
  const http::headers& trailers() const noexcept;
  // close() gives the connection up: back to the pool if the body has been read whole (or its
  // rest has arrived), else closed. read() then returns "" if done(), else throws
  // client_error. Never throws.
  void close() noexcept;

 private:
  friend class client;
  client_response(response_head head, http::url u, std::unique_ptr<detail::body_reader> body);

  response_head head_;
  http::url url_;
  std::unique_ptr<detail::body_reader> body_;
};

}  // namespace eventlet::http
