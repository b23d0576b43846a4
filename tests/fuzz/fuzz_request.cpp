// libFuzzer target: a stream of requests (input.hpp), read whole and split. Also: every field
// the parser accepts, headers::add() accepts; and whatever headers::add() accepts, written out
// and parsed back, is the same field (no value can smuggle a line in).
#include <cstdint>
#include <stdexcept>

#include "../http/transcript.hpp"
#include "http/headers.hpp"
#include "input.hpp"

using namespace eventlet::http;

namespace {

void parsed_fields_are_addable(const fuzz::input& in) {
  request_parser p(in.limits);
  try {
    if (!p.parse(in.bytes)) return;
  } catch (const parse_error&) {
    return;
  }
  headers h;
  for (const field f : p.head().fields) h.add(f.name, f.value);  // throws if not
  fuzz::require(h.size() == p.head().fields.size(), "the fields added");
}

void added_fields_read_back(std::string_view bytes) {
  const std::size_t colon = bytes.find(':');
  if (colon == std::string_view::npos) return;
  const std::string name = "X-" + std::string(bytes.substr(0, colon));
  const std::string_view value = bytes.substr(colon + 1);
  headers h;
  try {
    h.add(name, value);
  } catch (const std::invalid_argument&) {
    return;
  }
  std::string message = "GET / HTTP/1.1\r\nHost: x\r\n";
  h.append_to(message);
  message += "\r\n";
  request_parser p;
  fuzz::require(p.parse(message) == message.size(), "an added field parses back");
  const headers& back = p.head().fields;
  fuzz::require(back.size() == 2 && back.at(1).name == name && back.at(1).value == value,
                "an added field reads back the same");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::input in = fuzz::read(data, size);
  const std::string whole = http_tests::read_requests(in.bytes, {}, in.limits).text();
  fuzz::same(whole, http_tests::read_requests(in.bytes, in.cuts, in.limits).text());
  parsed_fields_are_addable(in);
  added_fields_read_back(in.bytes);
  return 0;
}
