// websocket_error: what a WebSocket peer did wrong, with the status code of the Close frame the
// endpoint answers it with (RFC 6455 §7.4); the status codes themselves; and the errors of a
// closed connection (websocket_closed) and of a failed opening handshake
// (websocket_handshake_error).
//
//   try {
//     auto r = assembler.next(input);
//     ...
//   } catch (const http::websocket_error& e) {
//     send_close(e.close_code(), e.what());   // 1002, 1007, 1009, ...
//   }
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "../base/export.hpp"

namespace eventlet::http {

// The status codes of a Close frame: RFC 6455 §7.4.1 and the IANA registry.
namespace websocket_close {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
// Never sent: what an endpoint reports when a Close frame came without a code.
inline constexpr std::uint16_t no_status = 1005;
// Never sent: what an endpoint reports when the connection ended without a Close frame.
inline constexpr std::uint16_t abnormal = 1006;
inline constexpr std::uint16_t invalid_data = 1007;  // a text message or reason not UTF-8
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t message_too_big = 1009;
inline constexpr std::uint16_t missing_extension = 1010;
inline constexpr std::uint16_t internal_error = 1011;
inline constexpr std::uint16_t service_restart = 1012;
inline constexpr std::uint16_t try_again_later = 1013;
inline constexpr std::uint16_t bad_gateway = 1014;
}  // namespace websocket_close

// is_valid_websocket_close_code() returns true for a code that may appear in a Close frame:
// 1000-1003 and 1007-1014 (defined or registered), 3000-4999 (libraries and applications).
// 1004, 1005, 1006, 1015 and the other codes below 3000 are refused. Throws nothing.
constexpr bool is_valid_websocket_close_code(std::uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

// websocket_error is thrown when a peer breaks the protocol; close_code() is the status the
// endpoint must send in its Close frame before it closes the connection.
class EVENTLET_API websocket_error : public std::runtime_error {
 public:
  websocket_error(std::uint16_t close_code, const std::string& what)
      : std::runtime_error(what), close_code_(close_code) {}

  // close_code() returns the status code to close with (websocket_close::protocol_error, ...).
  std::uint16_t close_code() const noexcept { return close_code_; }

 private:
  std::uint16_t close_code_;
};

// websocket_closed is thrown by a send on a websocket that is closed or closing (close() was
// called, a Close frame came, the connection failed). code() and reason() are the peer's
// Close frame's, as websocket::close_code() and close_reason() give them.
class EVENTLET_API websocket_closed : public std::runtime_error {
 public:
  websocket_closed(std::uint16_t code, const std::string& reason)
      : std::runtime_error("websocket: the connection is closed (" + std::to_string(code) +
                           (reason.empty() ? "" : " " + reason) + ")"),
        code_(code),
        reason_(reason) {}

  // code() returns the peer's close code (1005: none given; 1006: no Close frame came).
  std::uint16_t code() const noexcept { return code_; }
  // reason() returns the peer's close reason.
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::uint16_t code_;
  std::string reason_;
};

// websocket_handshake_error is thrown when an opening handshake fails: by a server refusing a
// request (status() is what it answered: 400, or 426 for another WebSocket version), or by a
// client refused (status() is the server's status, 101 if the 101 response was wrong, 0 if no
// response came).
class EVENTLET_API websocket_handshake_error : public std::runtime_error {
 public:
  websocket_handshake_error(int status, const std::string& what)
      : std::runtime_error(what), status_(status) {}

  // status() returns the HTTP status of the refusal.
  int status() const noexcept { return status_; }

 private:
  int status_;
};

}  // namespace eventlet::http
