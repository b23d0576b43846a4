// connection: one connection of a server (server.hpp) — its transport, the bytes received and
// not yet consumed, the request and response objects it reuses from one request to the next —
// and the loop that serves its requests. Private to http/.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "../../green/address.hpp"
#include "../parser.hpp"
#include "../request.hpp"
#include "../response.hpp"
#include "../server.hpp"
#include "../transport.hpp"

namespace eventlet::http::detail {

class connection {
 public:
  // connection() makes one for a server with `options`; `stopping` is the server's flag,
  // which it reads to end the connection after the request in flight. open() gives it its
  // transport.
  connection(const server_options& options, const bool& stopping);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // open() makes it serve `t`, accepted from `from`: a connection made earlier is reused, its
  // buffer and the capacity of its strings with it (the server keeps a few).
  void open(transport t, green::address from);
  // close() closes the transport, unless the handler hijacked it.
  void close() noexcept { io_.close(); }

  // run() serves requests with `h` until the connection ends; then closes it, unless the
  // handler hijacked it.
  void run(const handler& h);

  // idle() tells whether it is waiting for the first byte of a request; idle_until() is
  // until when it may (by the hub clock). The server's sweep (server.cpp) ends those that wait
  // longer: a wait between requests costs no timer of its own.
  bool idle() const noexcept { return idle_; }
  double idle_until() const noexcept { return idle_until_; }

  // What the request and response use.

  // buffered() is what was received and not consumed; consume() consumes its first n bytes.
  std::string_view buffered() const noexcept { return {buffer_.get() + begin_, end_ - begin_}; }
  void consume(std::size_t n) noexcept {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  // fill() receives more bytes after buffered(), waiting at most `timeout` seconds (nullopt:
  // no limit); returns how many (0 at EOF). Throws parse_error(431) when the buffer is full at
  // its largest, and what receive() throws.
  std::size_t fill(std::optional<double> timeout);
  // receive() receives into `out`, waiting at most `timeout` seconds (nullopt: no limit);
  // returns how many bytes (0 at EOF). Throws timeout_error, and the transport's errors.
  std::size_t receive(std::span<char> out, std::optional<double> timeout);
  // send() sends `pieces` in one sendall, within the send timeout. Throws the transport's
  // errors.
  void send(std::span<const std::string_view> pieces);
  // send_file() is send() of `count` bytes of the file `fd` from `offset`.
  void send_file(int fd, off_t& offset, std::size_t count);
  // may_keep_alive() tells whether the server lets the connection carry another request
  // after the current one, and its body does not keep it from doing so.
  bool may_keep_alive() const noexcept;
  // hand_over() gives the transport and the bytes not consumed to the handler (hijack).
  hijacked hand_over();
  // tls() is the TLS socket; nullptr for a plain connection.
  green::tls_socket* tls() noexcept { return io_.tls(); }
  // response_begun() tells whether the response's head has been built or sent.
  bool response_begun() const noexcept;
  // usable() throws std::logic_error naming `what` once the connection was handed over.
  void usable(const char* what) const;

  const server_options& options;
  green::address peer;  // the client's address

 private:
  // next_request() reads the next request's head; false when the connection is to end (EOF,
  // a timeout, an error: a malformed head has been answered with its status).
  bool next_request();
  // answer() calls the handler for the request read and finishes its response; returns
  // whether the connection may carry another request.
  bool answer(const handler& h);
  // handler_failed() deals with an exception the handler (or finishing its response) threw:
  // an error status if the head was not sent, the log if it was the handler's own failure.
  void handler_failed(std::exception_ptr error) noexcept;
  void log_access() noexcept;

  transport io_;
  const bool& stopping_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0, begin_ = 0, end_ = 0;
  request_parser parser_;
  request req_;
  response res_;
  std::size_t served_ = 0;  // requests read
  double accepted_ = 0;     // hub clock at the accept
  double started_ = 0;      // hub clock at the current request's head (with an access log)
  double idle_until_ = 0;
  bool idle_ = false;
  bool failed_ = false;  // a call on the transport failed: the connection is over
  bool handed_over_ = false;
};

}  // namespace eventlet::http::detail
