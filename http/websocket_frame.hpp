// websocket_frame: the frames of RFC 6455 §5, with no I/O: a pull decoder that turns bytes into
// frame headers and unmasked payload pieces, enforcing the framing rules, and an encoder that
// writes a header and masks a payload.
//
//   http::websocket_frame_decoder d(http::websocket_role::server);
//   using event = http::websocket_frame_decoder::event;
//   std::span<char> in = ...;                    // bytes read; payloads are unmasked in place
//   while (true) {
//     auto r = d.next(in);
//     in = in.subspan(r.consumed);
//     if (r.what == event::need_more) break;     // all of `in` used: read more
//     if (r.what == event::header) ...           // d.header(): opcode, fin, length
//     if (r.what == event::payload) ...          // r.payload: the next piece
//     if (r.what == event::frame_end) ...        // the frame is all there
//   }
//
//   std::array<char, http::websocket_max_header_size> head;
//   std::size_t n = http::websocket_encode_header({.opcode = ..., .length = body.size()}, head);
//
// Fragments and messages are websocket_message.hpp's; the opening handshake is
// websocket_handshake.hpp's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <string_view>

#include "../base/export.hpp"
#include "websocket_error.hpp"

namespace eventlet::http {

// The opcodes of RFC 6455 §5.2; any other value is refused.
enum class websocket_opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xa,
};

// is_websocket_control() returns true for close, ping and pong. Throws nothing.
constexpr bool is_websocket_control(websocket_opcode op) noexcept {
  return (static_cast<std::uint8_t>(op) & 0x8) != 0;
}

// Which end of the connection this is: a client masks what it sends and refuses masked frames;
// a server refuses unmasked frames and masks nothing.
enum class websocket_role { client, server };

// The four bytes a client's frame is masked with, in wire order.
using websocket_mask_key = std::array<std::uint8_t, 4>;

// A frame's header: what the decoder reports and the encoder writes. The reserved bits RSV1-3
// are not here: with no extension negotiated they are always 0.
struct websocket_frame_header {
  websocket_opcode opcode = websocket_opcode::binary;
  bool fin = true;      // the last frame of its message
  bool masked = false;  // mask_key is used (a client's frames)
  websocket_mask_key mask_key{};
  std::uint64_t length = 0;  // of the payload
};

// The most bytes a header takes: 2, 8 for a 64-bit length, 4 for a mask key.
inline constexpr std::size_t websocket_max_header_size = 14;

// The payload at most that a control frame (close, ping, pong) carries.
inline constexpr std::size_t websocket_max_control_payload = 125;

// The default bound on a frame's and a message's payload: 1 MiB.
inline constexpr std::uint64_t websocket_default_max_size = 1 << 20;

// websocket_encode_header() writes `header` into `out` with the shortest length encoding and
// returns how many bytes it wrote (2 to 14). Throws std::invalid_argument for an opcode that is
// none of websocket_opcode's, a control frame that is not fin or has more than 125 bytes, or a
// length of 2^63 or more.
EVENTLET_API std::size_t websocket_encode_header(const websocket_frame_header& header,
                                                 std::span<char, websocket_max_header_size> out);

// websocket_mask() masks (or unmasks: it is its own inverse) `data` in place with `key`;
// `offset` is the position of data[0] in the payload, for a payload handled in pieces. 32
// bytes at a time. Throws nothing.
EVENTLET_API void websocket_mask(std::span<char> data, websocket_mask_key key,
                                 std::uint64_t offset = 0) noexcept;

// websocket_mask_copy() writes `source` masked with `key` to the start of `target`, as
// websocket_mask() would mask it in place (a client masking a payload it must not change).
// `source` and `target` may be the same bytes, but may not otherwise overlap. Throws
// std::invalid_argument if `target` is smaller than `source`.
EVENTLET_API void websocket_mask_copy(std::string_view source, std::span<char> target,
                                      websocket_mask_key key, std::uint64_t offset = 0);

// websocket_random_mask_key() returns a key from OpenSSL's random generator, as RFC 6455 §5.3
// asks (unpredictable, a new one for each frame). Throws std::runtime_error if the generator
// fails.
EVENTLET_API websocket_mask_key websocket_random_mask_key();

// websocket_frame_decoder reads a stream of frames from bytes fed in pieces, split anywhere,
// with no allocation. Each frame gives a `header` event, `payload` events for its payload (none
// for an empty one) and a `frame_end` event. The rules of RFC 6455 §5 are checked from the
// header, before any payload is let through; a broken rule throws websocket_error with its
// close code, and the decoder then throws it again on every call (the connection is failed).
class EVENTLET_API websocket_frame_decoder {
 public:
  enum class event : std::uint8_t {
    need_more,  // all input used (or none given): feed more
    header,     // header() holds the next frame's header
    payload,    // result::payload holds the next piece of the payload, unmasked
    frame_end,  // the frame's payload is complete
  };

  struct result {
    event what;
    std::size_t consumed;     // how many input bytes the call used
    std::span<char> payload;  // for a payload event: the unmasked bytes
  };

  // websocket_frame_decoder() makes a decoder for the endpoint `role` (a server requires its
  // peer's frames masked, a client requires them unmasked) that refuses any frame whose payload
  // exceeds `max_frame_size` bytes. Throws nothing.
  explicit websocket_frame_decoder(websocket_role role,
                                   std::uint64_t max_frame_size = websocket_default_max_size);

  // next() reads the next event from the front of `input`, unmasking payload bytes in place:
  // result::payload is a part of `input`. Throws websocket_error (with the close code) when the
  // peer breaks a rule: a reserved bit set (1002), an unknown opcode (1002), a control frame
  // fragmented or above 125 bytes (1002), a 64-bit length with its top bit set (1002), a frame
  // masked or not against `role` (1002), a payload above the maximum (1009).
  result next(std::span<char> input);

  // next() is next() above but leaves `input` as it is and writes unmasked payload bytes to
  // the start of `output` (result::payload is a part of `output`), as many as fit. Throws what
  // next() above throws, and std::invalid_argument if payload bytes are due and given but
  // `output` is empty.
  result next(std::string_view input, std::span<char> output);

  // header() returns the header of the current frame, from its header event until the next
  // one. Throws nothing.
  const websocket_frame_header& header() const noexcept { return header_; }

  // payload_remaining() returns how many payload bytes of the current frame are still to come
  // (0 outside a payload). Throws nothing.
  std::uint64_t payload_remaining() const noexcept { return remaining_; }

 private:
  enum class state : std::uint8_t { header, payload, frame_end, failed };

  result step(const char* input, std::size_t input_size, char* output, std::size_t output_size);
  result read_header(const char* input, std::size_t size);
  void check_start();
  void finish_header();
  [[noreturn]] void fail(std::uint16_t code, const std::string& what);

  websocket_role role_;
  state state_ = state::header;
  std::uint8_t have_ = 0;  // header bytes gathered in head_
  std::array<unsigned char, websocket_max_header_size> head_{};
  std::uint64_t max_frame_size_;
  std::uint64_t remaining_ = 0;
  websocket_frame_header header_;
  std::exception_ptr failure_;
};

}  // namespace eventlet::http
