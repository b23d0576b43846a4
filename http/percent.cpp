#include "percent.hpp"

#include <algorithm>
#include <stdexcept>

#include "detail/syntax.hpp"

namespace eventlet::http {

namespace {

// Decodes `text`; an error names `who` and the offset of the bad '%', plus `base` (where `text`
// starts in what the caller was given).
std::string decode(std::string_view text, bool plus_is_space, const char* who,
                   std::size_t base = 0) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      const int high = i + 1 < text.size() ? detail::hex_value(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? detail::hex_value(text[i + 2]) : -1;
      if (high < 0 || low < 0)
        throw std::invalid_argument(std::string(who) + ": '%' at offset " +
                                    std::to_string(base + i) +
                                    " is not followed by two hex digits");
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return out;
}

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string percent_decode(std::string_view text) { return decode(text, false, "percent_decode"); }

std::string form_decode(std::string_view text) { return decode(text, true, "form_decode"); }

std::string percent_encode(std::string_view text, percent_keep keep) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (unreserved(c) || (c == '/' && keep == percent_keep::path)) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += digits[byte >> 4];
      out += digits[byte & 15];
    }
  }
  return out;
}

query_fields parse_query(std::string_view query) {
  query_fields fields;
  std::size_t start = 0;
  while (start < query.size()) {
    const auto end = std::min(query.find('&', start), query.size());
    const auto field = query.substr(start, end - start);
    if (!field.empty()) {
      const auto equals = std::min(field.find('='), field.size());
      fields.emplace_back(decode(field.substr(0, equals), true, "parse_query", start),
                          equals == field.size() ? ""
                                                 : decode(field.substr(equals + 1), true,
                                                          "parse_query", start + equals + 1));
    }
    start = end + 1;
  }
  return fields;
}

}  // namespace eventlet::http
