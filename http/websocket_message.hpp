// websocket_message: whole messages out of frames (RFC 6455 §5.4-5.6), with no I/O. The
// assembler joins a message's fragments, bounds its size, checks a text message's UTF-8 as it
// arrives, and hands over the control frames that come between fragments; and the payload of
// a Close frame, read and written.
//
//   http::websocket_message_assembler a(http::websocket_role::server);
//   std::string_view in = ...;               // bytes read
//   while (true) {
//     auto r = a.next(in);
//     in.remove_prefix(r.consumed);
//     using event = http::websocket_message_assembler::event;
//     if (r.what == event::need_more) break;                  // all of `in` used: read more
//     if (r.what == event::text) handle(std::move(a.message()));
//     if (r.what == event::ping) send_pong(a.control_payload());
//     if (r.what == event::close) answer(a.close_code(), a.close_reason());
//   }
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <string_view>

#include "../base/export.hpp"
#include "utf8.hpp"
#include "websocket_frame.hpp"

namespace eventlet::http {

// The bounds a WebSocket endpoint puts on what its peer sends.
struct websocket_limits {
  std::uint64_t max_frame_size = websocket_default_max_size;    // a frame's payload
  std::uint64_t max_message_size = websocket_default_max_size;  // a message's, fragments joined
};

// A Close frame's payload: the status code and the reason (UTF-8, perhaps empty).
struct websocket_close_status {
  std::uint16_t code = websocket_close::no_status;
  std::string_view reason;
};

// websocket_parse_close() reads a Close frame's payload: empty gives {1005, ""}, else a
// two-byte code in network order and a reason. The reason is a part of `payload`. Throws
// websocket_error with 1002 for a one-byte payload or a code that may not appear in a Close
// frame (is_valid_websocket_close_code()), with 1007 for a reason that is not UTF-8.
EVENTLET_API websocket_close_status websocket_parse_close(std::string_view payload);

// websocket_close_payload() returns the payload of a Close frame with `code` and `reason`.
// Throws std::invalid_argument for a code that may not appear in a Close frame, or a reason
// above 123 bytes (a control frame's 125 less the code) or not UTF-8.
EVENTLET_API std::string websocket_close_payload(std::uint16_t code, std::string_view reason = {});

// websocket_message_assembler reads whole messages and control frames from bytes fed in pieces,
// split anywhere. It enforces the frame decoder's rules (websocket_frame_decoder) and these: a
// continuation frame with no message to continue, or a new text or binary frame while a message
// is unfinished (1002); a message above the maximum, checked from each frame's header before
// its payload is taken (1009); a text message that is not UTF-8, refused at its first bad byte
// (1007); a Close frame's payload (websocket_parse_close()); anything after a Close frame
// (1002). A broken rule throws websocket_error with its close code, and the assembler throws it
// again on every call. The message's room for a frame is reserved when the frame's header has
// come (within the limits), so that its payload is unmasked into place without moving.
class EVENTLET_API websocket_message_assembler {
 public:
  enum class event : std::uint8_t {
    need_more,  // all input used (or none given), no message complete: feed more
    text,       // message() holds a whole text message (UTF-8)
    binary,     // message() holds a whole binary message
    ping,       // control_payload() holds the ping's payload (to send back in a pong)
    pong,       // control_payload() holds the pong's payload
    close,      // close_code() and close_reason() hold the Close frame's status
  };

  struct result {
    event what;
    std::size_t consumed;  // how many input bytes the call used
  };

  // websocket_message_assembler() makes an assembler for the endpoint `role` (see
  // websocket_frame_decoder) with the bounds `limits`. Throws nothing.
  explicit websocket_message_assembler(websocket_role role, websocket_limits limits = {});

  // next() reads frames from the front of `input` until a message or control frame is whole,
  // and says which (or need_more once `input` is used up). The payload is unmasked into the
  // assembler's own buffers: `input` is left as it is. Throws websocket_error as the class
  // comment says.
  result next(std::string_view input);

  // message() returns the message of the last text or binary event, until next() is called
  // again. The caller may move it out. Throws nothing.
  std::string& message() noexcept { return message_; }

  // control_payload() returns the payload of the last ping, pong or close event, until next()
  // is called again. Throws nothing.
  std::string_view control_payload() const noexcept { return {control_.data(), control_size_}; }

  // close_code() returns the status code of the last close event: 1005 (no_status) when the
  // Close frame had none. Throws nothing.
  std::uint16_t close_code() const noexcept { return close_code_; }

  // close_reason() returns the reason of the last close event (UTF-8, perhaps empty), until
  // next() is called again. Throws nothing.
  std::string_view close_reason() const noexcept {
    return close_code_ == websocket_close::no_status ? "" : control_payload().substr(2);
  }

 private:
  std::span<char> room(std::size_t input_left);
  void start_frame();
  event end_frame();
  [[noreturn]] void fail(std::uint16_t code, const std::string& what);

  websocket_frame_decoder decoder_;
  std::uint64_t max_message_size_;
  std::string message_;
  utf8_validator utf8_;
  websocket_opcode message_opcode_ = websocket_opcode::binary;
  bool in_message_ = false;  // a text or binary message has started and is not yet whole
  bool closed_ = false;      // a Close frame came
  std::uint8_t control_size_ = 0;
  std::array<char, websocket_max_control_payload> control_{};
  std::uint16_t close_code_ = websocket_close::no_status;
  std::exception_ptr failure_;
};

}  // namespace eventlet::http
