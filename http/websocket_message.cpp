#include "websocket_message.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace eventlet::http {

namespace {
constexpr std::size_t max_close_reason = websocket_max_control_payload - 2;
}  // namespace

websocket_close_status websocket_parse_close(std::string_view payload) {
  if (payload.empty()) return {};
  if (payload.size() == 1)
    throw websocket_error(websocket_close::protocol_error, "websocket: one-byte Close payload");
  const auto code = static_cast<std::uint16_t>(static_cast<unsigned char>(payload[0]) << 8 |
                                               static_cast<unsigned char>(payload[1]));
  if (!is_valid_websocket_close_code(code))
    throw websocket_error(websocket_close::protocol_error,
                          "websocket: close code " + std::to_string(code) + " not allowed");
  const auto reason = payload.substr(2);
  if (!is_valid_utf8(reason))
    throw websocket_error(websocket_close::invalid_data, "websocket: close reason not UTF-8");
  return {code, reason};
}

std::string websocket_close_payload(std::uint16_t code, std::string_view reason) {
  if (!is_valid_websocket_close_code(code))
    throw std::invalid_argument("websocket_close_payload: code " + std::to_string(code) +
                                " may not be sent");
  if (reason.size() > max_close_reason)
    throw std::invalid_argument("websocket_close_payload: reason above 123 bytes");
  if (!is_valid_utf8(reason))
    throw std::invalid_argument("websocket_close_payload: reason not UTF-8");
  std::string payload;
  payload.reserve(2 + reason.size());
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xff);
  payload += reason;
  return payload;
}

websocket_message_assembler::websocket_message_assembler(websocket_role role,
                                                         websocket_limits limits)
    : decoder_(role, limits.max_frame_size), max_message_size_(limits.max_message_size) {}

websocket_message_assembler::result websocket_message_assembler::next(std::string_view input) {
  if (failure_) std::rethrow_exception(failure_);
  if (closed_ && !input.empty()) fail(websocket_close::protocol_error, "data after a Close frame");
  std::size_t used = 0;
  while (true) {
    const auto r = decoder_.next(input.substr(used), room(input.size() - used));
    used += r.consumed;
    switch (r.what) {
      case websocket_frame_decoder::event::need_more:
        return {event::need_more, used};
      case websocket_frame_decoder::event::header:
        start_frame();
        break;
      case websocket_frame_decoder::event::payload:
        if (is_websocket_control(decoder_.header().opcode)) {
          control_size_ = static_cast<std::uint8_t>(control_size_ + r.payload.size());
        } else if (message_opcode_ == websocket_opcode::text &&
                   !utf8_.feed({r.payload.data(), r.payload.size()})) {
          fail(websocket_close::invalid_data, "text message not UTF-8");
        }
        break;
      case websocket_frame_decoder::event::frame_end:
        if (const auto e = end_frame(); e != event::need_more) return {e, used};
        break;
    }
  }
}

// room() returns where the decoder is to unmask the next payload piece, as much of it as the
// input holds: the control buffer, or the end of the message, grown to fit.
std::span<char> websocket_message_assembler::room(std::size_t input_left) {
  const auto n =
      static_cast<std::size_t>(std::min<std::uint64_t>(decoder_.payload_remaining(), input_left));
  if (n == 0) return {};
  if (is_websocket_control(decoder_.header().opcode)) return {control_.data() + control_size_, n};
  const std::size_t old = message_.size();
  message_.resize(old + n);
  return {message_.data() + old, n};
}

// start_frame() checks a new frame against the message in progress and the size bound.
void websocket_message_assembler::start_frame() {
  const auto& h = decoder_.header();
  if (is_websocket_control(h.opcode)) {
    control_size_ = 0;
    return;
  }
  if (h.opcode == websocket_opcode::continuation) {
    if (!in_message_) fail(websocket_close::protocol_error, "continuation frame with no message");
  } else {
    if (in_message_) fail(websocket_close::protocol_error, "new message before the last ended");
    in_message_ = true;
    message_opcode_ = h.opcode;
    message_.clear();
    utf8_.reset();
  }
  if (h.length > max_message_size_ - message_.size())
    fail(websocket_close::message_too_big,
         "message of " + std::to_string(message_.size() + h.length) +
             " bytes or more, above the maximum of " + std::to_string(max_message_size_));
  // Room for the whole frame, so that its pieces never move what came before them.
  message_.reserve(message_.size() + static_cast<std::size_t>(h.length));
}

// end_frame() says what a whole frame completes: a control frame, a message, or nothing yet.
websocket_message_assembler::event websocket_message_assembler::end_frame() {
  const auto& h = decoder_.header();
  switch (h.opcode) {
    case websocket_opcode::ping:
      return event::ping;
    case websocket_opcode::pong:
      return event::pong;
    case websocket_opcode::close:
      try {
        close_code_ = websocket_parse_close(control_payload()).code;
      } catch (const websocket_error&) {
        failure_ = std::current_exception();
        throw;
      }
      closed_ = true;
      return event::close;
    default:
      break;
  }
  if (!h.fin) return event::need_more;
  in_message_ = false;
  if (message_opcode_ == websocket_opcode::binary) return event::binary;
  if (!utf8_.complete())
    fail(websocket_close::invalid_data, "text message ends inside a character");
  return event::text;
}

void websocket_message_assembler::fail(std::uint16_t code, const std::string& what) {
  failure_ = std::make_exception_ptr(websocket_error(code, "websocket: " + what));
  std::rethrow_exception(failure_);
}

}  // namespace eventlet::http
