#include "fields.hpp"

#include <cstring>

#include "../parser.hpp"
#include "syntax.hpp"

namespace eventlet::http::detail {

struct parsed_fields {
  static void adopt(headers& h, std::string_view bytes, std::size_t fields) {
    h.adopt(bytes, fields);
  }
  static void add(headers& h, std::size_t name, std::size_t name_size, std::size_t value,
                  std::size_t value_size) {
    h.add_parsed(name, name_size, value, value_size);
  }
  static std::string_view storage(const headers& h) { return h.storage_; }
};

void check_no_cr(std::string_view line, int status) {
  if (std::memchr(line.data(), '\r', line.size()))
    throw parse_error(status, "bare CR in the message head");
}

namespace {

[[noreturn]] void fail(int status, const char* what, const char* rule) {
  throw parse_error(status, std::string("invalid ") + what + " field: " + rule);
}

}  // namespace

void parse_fields(std::string_view section, std::size_t from, headers& out, int status,
                  const char* what) {
  std::size_t lines = 0;
  for (std::size_t i = from; i < section.size(); ++i) lines += section[i] == '\n';
  parsed_fields::adopt(out, section, lines);
  const std::string_view s = parsed_fields::storage(out);
  bool first = true;
  for (std::size_t at = from;;) {
    const std::size_t end = s.find("\r\n", at);  // the scanner saw that every line ends so
    if (end == at) return;                       // the empty line: the end of the section
    const std::string_view line = s.substr(at, end - at);
    check_no_cr(line, status);
    if (is_space(line.front()))
      fail(status, what,
           first ? "whitespace before the first field"
                 : "obs-fold (a line folded "
                   "onto the previous one)");
    std::size_t colon = 0;
    while (colon < line.size() && token_chars[static_cast<unsigned char>(line[colon])]) ++colon;
    if (colon == line.size()) fail(status, what, "a line without a colon");
    if (line[colon] != ':') {
      if (is_space(line[colon])) fail(status, what, "whitespace before the colon");
      fail(status, what, "a character not allowed in a field name");
    }
    if (colon == 0) fail(status, what, "an empty field name");
    std::size_t v = colon + 1, v_end = line.size();
    while (v < v_end && is_space(line[v])) ++v;
    while (v_end > v && is_space(line[v_end - 1])) --v_end;
    for (std::size_t i = v; i < v_end; ++i)
      if (!value_chars[static_cast<unsigned char>(line[i])])
        fail(status, what, line[i] == 0 ? "NUL in a value" : "a control byte in a value");
    parsed_fields::add(out, at, colon, at + v, v_end - v);
    first = false;
    at = end + 2;
  }
}

}  // namespace eventlet::http::detail
