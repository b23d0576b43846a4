#include "websocket_frame.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace eventlet::http {

namespace {

constexpr std::uint8_t fin_bit = 0x80;
constexpr std::uint8_t reserved_bits = 0x70;
constexpr std::uint8_t opcode_bits = 0x0f;
constexpr std::uint8_t mask_bit = 0x80;
constexpr std::uint8_t length_bits = 0x7f;
constexpr std::uint8_t length_16 = 126;  // the 7-bit length that announces a 16-bit one
constexpr std::uint8_t length_64 = 127;  // ... a 64-bit one

bool known_opcode(std::uint8_t op) noexcept { return op <= 0x2 || (op >= 0x8 && op <= 0xa); }

// extended_length_size() is how many length bytes follow the first two, by the 7-bit length.
std::size_t extended_length_size(std::uint8_t length7) noexcept {
  return length7 == length_64 ? 8 : length7 == length_16 ? 2 : 0;
}

// mask_bytes() writes `n` bytes of `source` masked with `key` to `target` (which may be
// `source`) with the key repeated to eight bytes and turned to `offset`'s phase: 32 bytes at a
// time (four words, which the compiler turns into vector instructions), then 8, then 1.
void mask_bytes(const char* source, char* target, std::size_t n, websocket_mask_key key,
                std::uint64_t offset) noexcept {
  unsigned char turned[8];
  for (std::size_t i = 0; i < 8; ++i) turned[i] = key[(offset + i) & 3];
  std::uint64_t key8;
  std::memcpy(&key8, turned, 8);
  std::size_t i = 0;
  for (; n - i >= 32; i += 32) {
    std::uint64_t words[4];
    std::memcpy(words, source + i, 32);
    for (auto& word : words) word ^= key8;
    std::memcpy(target + i, words, 32);
  }
  for (; n - i >= 8; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, source + i, 8);
    word ^= key8;
    std::memcpy(target + i, &word, 8);
  }
  for (; i < n; ++i) target[i] = static_cast<char>(source[i] ^ turned[i & 7]);
}

}  // namespace

std::size_t websocket_encode_header(const websocket_frame_header& header,
                                    std::span<char, websocket_max_header_size> out) {
  const auto op = static_cast<std::uint8_t>(header.opcode);
  if (!known_opcode(op)) throw std::invalid_argument("websocket frame: unknown opcode");
  if (is_websocket_control(header.opcode)) {
    if (!header.fin) throw std::invalid_argument("websocket frame: control frame not fin");
    if (header.length > websocket_max_control_payload)
      throw std::invalid_argument("websocket frame: control frame above 125 bytes");
  }
  if (header.length >> 63) throw std::invalid_argument("websocket frame: length of 2^63 or more");
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  std::size_t n = 0;
  p[n++] = static_cast<unsigned char>((header.fin ? fin_bit : 0) | op);
  const unsigned char mask = header.masked ? mask_bit : 0;
  if (header.length < length_16) {
    p[n++] = static_cast<unsigned char>(mask | header.length);
  } else {
    const std::size_t bytes = header.length <= 0xffff ? 2 : 8;
    p[n++] = mask | (bytes == 2 ? length_16 : length_64);
    for (std::size_t i = bytes; i-- > 0;)
      p[n++] = static_cast<unsigned char>(header.length >> (8 * i));
  }
  if (header.masked) {
    std::memcpy(p + n, header.mask_key.data(), 4);
    n += 4;
  }
  return n;
}

void websocket_mask(std::span<char> data, websocket_mask_key key, std::uint64_t offset) noexcept {
  mask_bytes(data.data(), data.data(), data.size(), key, offset);
}

void websocket_mask_copy(std::string_view source, std::span<char> target, websocket_mask_key key,
                         std::uint64_t offset) {
  if (target.size() < source.size())
    throw std::invalid_argument("websocket_mask_copy: target smaller than source");
  mask_bytes(source.data(), target.data(), source.size(), key, offset);
}

websocket_mask_key websocket_random_mask_key() {
  websocket_mask_key key;
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
    throw std::runtime_error("websocket_random_mask_key: RAND_bytes failed");
  return key;
}

websocket_frame_decoder::websocket_frame_decoder(websocket_role role, std::uint64_t max_frame_size)
    : role_(role), max_frame_size_(max_frame_size) {}

websocket_frame_decoder::result websocket_frame_decoder::next(std::span<char> input) {
  return step(input.data(), input.size(), input.data(), input.size());
}

websocket_frame_decoder::result websocket_frame_decoder::next(std::string_view input,
                                                              std::span<char> output) {
  return step(input.data(), input.size(), output.data(), output.size());
}

websocket_frame_decoder::result websocket_frame_decoder::step(const char* input,
                                                              std::size_t input_size, char* output,
                                                              std::size_t output_size) {
  switch (state_) {
    case state::header:
      return read_header(input, input_size);
    case state::payload: {
      const auto n = static_cast<std::size_t>(
          std::min<std::uint64_t>(remaining_, std::min(input_size, output_size)));
      if (n == 0) {
        if (input_size == 0) return {event::need_more, 0, {}};
        throw std::invalid_argument("websocket_frame_decoder: no room for the payload");
      }
      if (header_.masked) {
        mask_bytes(input, output, n, header_.mask_key, header_.length - remaining_);
      } else if (output != input) {
        std::memcpy(output, input, n);
      }
      remaining_ -= n;
      if (remaining_ == 0) state_ = state::frame_end;
      return {event::payload, n, {output, n}};
    }
    case state::frame_end:
      state_ = state::header;
      return {event::frame_end, 0, {}};
    case state::failed:
      break;
  }
  std::rethrow_exception(failure_);
}

// read_header() gathers the header's bytes in head_ (a header may arrive split anywhere) and
// checks the first two as soon as they are there, the rest once the header is whole.
websocket_frame_decoder::result websocket_frame_decoder::read_header(const char* input,
                                                                     std::size_t size) {
  std::size_t used = 0;
  if (have_ < 2) {
    while (have_ < 2 && used < size) head_[have_++] = static_cast<unsigned char>(input[used++]);
    if (have_ < 2) return {event::need_more, used, {}};
    check_start();
  }
  const std::size_t header_size =
      2 + extended_length_size(head_[1] & length_bits) + ((head_[1] & mask_bit) ? 4 : 0);
  const std::size_t n = std::min(header_size - have_, size - used);
  std::memcpy(head_.data() + have_, input + used, n);
  have_ = static_cast<std::uint8_t>(have_ + n);
  used += n;
  if (have_ < header_size) return {event::need_more, used, {}};
  finish_header();
  return {event::header, used, {}};
}

// check_start() checks what the first two bytes tell: reserved bits, opcode, a control frame's
// fin bit and length, masking against the role.
void websocket_frame_decoder::check_start() {
  const auto op = static_cast<std::uint8_t>(head_[0] & opcode_bits);
  if (head_[0] & reserved_bits) fail(websocket_close::protocol_error, "reserved bit set");
  if (!known_opcode(op)) fail(websocket_close::protocol_error, "unknown opcode");
  if (op & 0x8) {
    if (!(head_[0] & fin_bit)) fail(websocket_close::protocol_error, "fragmented control frame");
    if ((head_[1] & length_bits) > websocket_max_control_payload)
      fail(websocket_close::protocol_error, "control frame above 125 bytes");
  }
  const bool masked = head_[1] & mask_bit;
  if (role_ == websocket_role::server && !masked)
    fail(websocket_close::protocol_error, "unmasked frame from a client");
  if (role_ == websocket_role::client && masked)
    fail(websocket_close::protocol_error, "masked frame from a server");
}

// finish_header() reads the length and mask key of a whole header, checks the length and
// starts the payload.
void websocket_frame_decoder::finish_header() {
  const std::size_t length_size = extended_length_size(head_[1] & length_bits);
  std::uint64_t length = head_[1] & length_bits;
  if (length_size != 0) {
    length = 0;
    for (std::size_t i = 0; i < length_size; ++i) length = (length << 8) | head_[2 + i];
  }
  if (length >> 63) fail(websocket_close::protocol_error, "64-bit length with its top bit set");
  if (length > max_frame_size_)
    fail(websocket_close::message_too_big, "frame of " + std::to_string(length) +
                                               " bytes, above the maximum of " +
                                               std::to_string(max_frame_size_));
  header_.opcode = static_cast<websocket_opcode>(head_[0] & opcode_bits);
  header_.fin = head_[0] & fin_bit;
  header_.masked = head_[1] & mask_bit;
  header_.mask_key = {};
  if (header_.masked) std::memcpy(header_.mask_key.data(), head_.data() + 2 + length_size, 4);
  header_.length = length;
  remaining_ = length;
  have_ = 0;
  state_ = length == 0 ? state::frame_end : state::payload;
}

void websocket_frame_decoder::fail(std::uint16_t code, const std::string& what) {
  state_ = state::failed;
  failure_ = std::make_exception_ptr(websocket_error(code, "websocket: " + what));
  std::rethrow_exception(failure_);
}

}  // namespace eventlet::http
