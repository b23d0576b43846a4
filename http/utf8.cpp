#include "utf8.hpp"

#include <cstring>

namespace eventlet::http {

namespace {

// skip_ascii() returns the first byte in [p, end) that is not ASCII, or end; sixteen, then eight
// bytes at a time while it can.
const unsigned char* skip_ascii(const unsigned char* p, const unsigned char* end) noexcept {
  constexpr std::uint64_t high_bits = 0x8080808080808080;
  std::uint64_t a, b;
  for (; end - p >= 16; p += 16) {
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    if ((a | b) & high_bits) break;
  }
  for (; end - p >= 8; p += 8) {
    std::memcpy(&a, p, 8);
    if (a & high_bits) break;
  }
  while (p != end && *p < 0x80) ++p;
  return p;
}

}  // namespace

bool utf8_validator::feed(std::string_view piece) noexcept {
  if (failed_) return false;
  auto p = reinterpret_cast<const unsigned char*>(piece.data());
  const auto end = p + piece.size();
  unsigned need = need_, low = low_, high = high_;
  while (true) {
    // The continuation bytes of the current character, as many as the piece holds.
    for (; need != 0 && p != end; ++p, --need) {
      if (*p < low || *p > high) {
        failed_ = true;
        return false;
      }
      low = 0x80;
      high = 0xbf;
    }
    if (p == end) break;
    // A lead byte (RFC 3629 §4). The ranges after E0, ED, F0 and F4 keep out overlongs,
    // surrogates and code points above U+10FFFF.
    const unsigned lead = *p++;
    if (lead < 0x80) {
      p = skip_ascii(p, end);
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      need = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      need = 2;
      if (lead == 0xe0) low = 0xa0;
      if (lead == 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      need = 3;
      if (lead == 0xf0) low = 0x90;
      if (lead == 0xf4) high = 0x8f;
    } else {
      failed_ = true;
      return false;
    }
  }
  need_ = static_cast<std::uint8_t>(need);
  low_ = static_cast<std::uint8_t>(low);
  high_ = static_cast<std::uint8_t>(high);
  return true;
}

bool is_valid_utf8(std::string_view text) noexcept {
  utf8_validator v;
  return v.feed(text) && v.complete();
}

}  // namespace eventlet::http
