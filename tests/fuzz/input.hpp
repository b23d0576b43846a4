// What the parser's fuzz targets share. An input's first byte chooses how its other bytes are
// read; they are the stream. Bits 0-1 pick the method of the request a response answers (GET,
// HEAD, CONNECT, POST); bit 2 picks small limits, so that short inputs reach them; bits 3-7 seed
// the points where the stream is split (0: one byte at a time). The seed corpus
// (corpus/<target>/) starts each file with a printable byte: '@' is GET with the default
// limits, 'A' HEAD, 'B' CONNECT, 'C' POST, 'D' GET with small limits.
//
// Each target reads the stream whole and split, as a server or a client would (a transcript,
// tests/http/transcript.hpp), and aborts if the readings differ: with AddressSanitizer and
// UndefinedBehaviorSanitizer, the invariants are no crash, no out-of-bounds access, no undefined
// behaviour, and the same result however the bytes arrive.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/parser.hpp"

namespace fuzz {

struct input {
  std::string_view bytes;
  const char* method = "GET";
  eventlet::http::limits limits;
  std::vector<std::size_t> cuts;  // the split points, ascending
};

inline input read(const std::uint8_t* data, std::size_t size) {
  input in;
  if (size == 0) return in;
  const std::uint8_t options = data[0];
  in.bytes = std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const char* const methods[] = {"GET", "HEAD", "CONNECT", "POST"};
  in.method = methods[options & 3];
  if (options & 4) {
    in.limits.max_target = 16;
    in.limits.max_head = 128;
    in.limits.max_fields = 4;
    in.limits.max_chunk_line = 12;
    in.limits.max_trailers = 32;
  }
  const unsigned seed = options >> 3;
  std::uint64_t state = seed * 0x9e3779b97f4a7c15u ^ in.bytes.size();
  for (std::size_t at = 0; at < in.bytes.size();) {
    state ^= state << 13;  // xorshift64
    state ^= state >> 7;
    state ^= state << 17;
    at += seed == 0 ? 1 : 1 + state % (2 * seed);
    in.cuts.push_back(at);
  }
  return in;
}

// same() aborts, printing both, if two readings of one stream differ.
inline void same(const std::string& whole, const std::string& split) {
  if (whole == split) return;
  std::fprintf(stderr, "read whole:\n%s\nread split:\n%s\n", whole.c_str(), split.c_str());
  std::abort();
}

// require() aborts, printing `what`, if `ok` is false.
inline void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "broken invariant: %s\n", what);
  std::abort();
}

}  // namespace fuzz
