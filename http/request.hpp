// request: what a server handler (server.hpp) is given of the request it answers — the head
// the client sent, who sent it, and a reader of its body.
//
//   void handle(http::request& req, http::response& res) {
//     req.method();                      // "POST"
//     req.path();                        // "/items", before the '?', still percent-encoded
//     req.headers().get("content-type");
//     std::string body = req.read_all(); // Content-Length or chunked, decoded
//     ...
//   }
//
// The body is read as the handler asks: read_into(), read() and read_all() take its bytes
// from the connection, decoding chunked framing; trailers() holds a chunked body's trailer
// section once the body has been read to its end. A client that sent "Expect: 100-continue"
// gets "100 Continue" from the first body read, and never if the handler reads no body.
// Errors while reading: http::parse_error (400: broken chunked framing, or the connection
// closed before the body's end; 413: read_all() above its bound; 431: trailers above their
// limit) — the server answers them with their status if the handler lets them go;
// timeout_error after server_options::body_timeout without bytes; std::system_error for the
// connection's own errors.
//
// A request is valid during its handler's call only; the views it returns, until then.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "../base/export.hpp"
#include "../green/address.hpp"
#include "chunked.hpp"
#include "headers.hpp"
#include "message.hpp"

namespace eventlet::http {

namespace detail {
class connection;
}

// What TLS says about a connection.
struct tls_info {
  std::string version;       // "TLSv1.3"
  std::string server_name;   // the host name the client sent (SNI); "" if none
  std::string peer_subject;  // the client certificate's subject ("CN=..."); "" if none
};

class EVENTLET_API request {
 public:
  request(const request&) = delete;
  request& operator=(const request&) = delete;

  // method() is the method, as sent ("GET").
  std::string_view method() const noexcept { return head_->method; }
  // target() is the request-target, as sent ("/a/b?x=1", "*", "example.com:443").
  std::string_view target() const noexcept { return head_->target; }
  // path() is the target up to its first '?' (all of it without one), not decoded.
  std::string_view path() const noexcept { return target().substr(0, path_size_); }
  // query() is the target after its first '?' ("" without one), not decoded.
  std::string_view query() const noexcept {
    return path_size_ < target().size() ? target().substr(path_size_ + 1) : std::string_view();
  }
  // minor_version() is 1 for HTTP/1.1, 0 for HTTP/1.0.
  int minor_version() const noexcept { return head_->minor_version; }
  // head() is the whole request head, as the parser gave it.
  const request_head& head() const noexcept { return *head_; }
  // headers() is the head's fields, in order, looked up without regard to case.
  const http::headers& headers() const noexcept { return head_->fields; }
  // remote() is the client's address.
  const green::address& remote() const noexcept;
  // tls() is what TLS says of the connection; nullopt for a plain one.
  std::optional<tls_info> tls() const;

  // body() says how the body is framed: none, length (content_length()) or chunked.
  body_kind body() const noexcept { return head_->body; }
  // content_length() is the body's length when given by Content-Length, else nullopt.
  std::optional<std::uint64_t> content_length() const noexcept;

  // read_into() waits for bytes of the body and puts up to buffer.size() of them in
  // `buffer`; returns how many, 0 once the body has been read to its end (or has none).
  // Throws as the top of this file says; std::logic_error after response::hijack().
  std::size_t read_into(std::span<char> buffer);
  // read() is read_into() returning the bytes: up to `max` of them, "" at the end.
  std::string read(std::size_t max);
  // read_all() reads the rest of the body and returns it. Throws parse_error(413), before
  // reading anything when Content-Length says so, if it is above `max` bytes (nullopt:
  // server_options::max_body); and as read_into() does.
  std::string read_all(std::optional<std::size_t> max = std::nullopt);
  // body_done() tells whether the body has been read to its end.
  bool body_done() const noexcept { return done_; }
  // trailers() is a chunked body's trailer section, once the body has been read to its end;
  // empty before, and for other bodies. Never merged into headers().
  const http::headers& trailers() const noexcept;

 private:
  friend class detail::connection;
  explicit request(detail::connection& c);
  // start() makes it the request whose head is `head`, which has been consumed.
  void start(request_head& head) noexcept;
  // drain() reads and drops what is left of the body, up to `limit` bytes; returns whether
  // the body was read to its end (else the connection cannot carry another request).
  bool drain(std::size_t limit) noexcept;
  // pending_body() tells whether the body has bytes the handler has not read.
  bool pending_body() const noexcept { return !done_; }
  void send_continue();

  detail::connection* conn_;
  request_head* head_ = nullptr;
  std::size_t path_size_ = 0;
  std::uint64_t remaining_ = 0;  // of a Content-Length body
  chunked_decoder decoder_;
  std::string_view decoded_;  // bytes the decoder gave that read_into() has not handed out
  bool done_ = true;
  bool continue_sent_ = false;
  bool failed_ = false;  // a parse_error came from reading the body
};

}  // namespace eventlet::http
