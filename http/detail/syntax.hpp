// The character classes of RFC 9110 and 9112 that the parser and the headers check, as tables.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace eventlet::http::detail {

// tchar: the characters of a token (method, field name, transfer coding).
inline constexpr std::array<bool, 256> token_chars = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = t[c - 'a' + 'A'] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

// The bytes a field value may hold: visible ASCII, space, tab and obs-text (0x80-0xFF), so
// never CR, LF, NUL or another control byte.
inline constexpr std::array<bool, 256> value_chars = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x7f; ++c) t[c] = true;
  for (int c = 0x80; c < 0x100; ++c) t[c] = true;
  t['\t'] = true;
  return t;
}();

// The bytes a request-target may hold: visible ASCII (RFC 3986 characters and a few more that
// clients send unescaped); never a space, a control byte or a byte above 0x7E.
inline constexpr bool is_target_char(unsigned char c) { return c > 0x20 && c < 0x7f; }

inline bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s)
    if (!token_chars[static_cast<unsigned char>(c)]) return false;
  return true;
}

inline bool is_space(char c) { return c == ' ' || c == '\t'; }

// trim() drops the spaces and tabs around `s` (OWS).
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// hex_value() is the value of a hex digit, or -1 if `c` is not one.
inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

inline char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c + ('a' - 'A')) : c; }

// for_each_element() calls f(element) for each element of a comma-separated list (RFC 9110
// §5.6.1), trimmed; empty elements are passed too, as "".
template <typename F>
void for_each_element(std::string_view list, F f) {
  while (true) {
    const std::size_t comma = list.find(',');
    f(trim(list.substr(0, comma)));
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace eventlet::http::detail
