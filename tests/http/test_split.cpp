// Split invariance: every message of the shared cases (cases.hpp) reads the same, head by head
// and byte by byte, whether its bytes arrive whole, in two pieces split at any point, or one at
// a time; with the default limits and with small ones, so that limits are hit mid-stream too.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cases.hpp"
#include "transcript.hpp"

using namespace http_tests;

namespace {

// The splits tried for `size` bytes: every point, or every 97th (and the last 16) for long
// messages.
std::vector<std::size_t> split_points(std::size_t size) {
  std::vector<std::size_t> at;
  const std::size_t stride = size <= 2048 ? 1 : 97;
  for (std::size_t i = 1; i < size; i += stride) at.push_back(i);
  for (std::size_t i = size > 16 ? size - 16 : 1; i < size; ++i) at.push_back(i);
  return at;
}

// Reads `bytes` with `read(bytes, cuts)` whole, split at each point, and one byte at a time
// (for messages up to 4 KiB), and checks that every reading is the whole one.
template <typename Read>
void check_splits(const std::string& bytes, Read read) {
  const std::string whole = read(bytes, std::vector<std::size_t>{});
  INFO("whole:\n", whole);
  for (const std::size_t at : split_points(bytes.size())) {
    const std::string split = read(bytes, std::vector<std::size_t>{at});
    if (split != whole) {
      CHECK_MESSAGE(split == whole, "split at ", at);
      return;
    }
  }
  if (bytes.size() <= 4096) CHECK(read(bytes, every_byte(bytes.size())) == whole);
}

eventlet::http::limits small() {
  eventlet::http::limits l;
  l.max_target = 12;
  l.max_head = 96;
  l.max_fields = 4;
  l.max_chunk_line = 8;
  l.max_trailers = 24;
  return l;
}

}  // namespace

TEST_CASE("split invariance: requests") {
  for (const eventlet::http::limits& l : {eventlet::http::limits(), small()})
    for (const request_case& c : request_cases()) {
      INFO(std::string(c.rule), " (max_head ", l.max_head, ")");
      check_splits(c.bytes, [&](const std::string& b, const std::vector<std::size_t>& cuts) {
        return read_requests(b, cuts, l).text();
      });
    }
}

TEST_CASE("split invariance: responses") {
  for (const eventlet::http::limits& l : {eventlet::http::limits(), small()})
    for (const response_case& c : response_cases()) {
      INFO(std::string(c.rule), " (max_head ", l.max_head, ")");
      check_splits(c.bytes, [&](const std::string& b, const std::vector<std::size_t>& cuts) {
        return read_responses(b, cuts, c.method, l).text();
      });
    }
}

TEST_CASE("split invariance: pipelined requests in one stream") {
  std::string stream;
  for (const request_case& c : request_cases())
    if (c.status == 0 && c.bytes.size() < 1000) stream += c.bytes;
  stream += "GET / HTTP/1.1\r\nA : b\r\n\r\n";
  const reading whole = read_requests(stream, {});
  CHECK(whole.messages.size() > 30);
  CHECK(whole.status == 400);
  check_splits(stream, [](const std::string& b, const std::vector<std::size_t>& cuts) {
    return read_requests(b, cuts).text();
  });
}
