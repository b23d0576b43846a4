// libFuzzer target: a chunked body, its trailers and what follows (input.hpp), read whole and
// split.
#include <cstdint>

#include "../http/transcript.hpp"
#include "input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::input in = fuzz::read(data, size);
  const std::string whole = http_tests::read_chunked(in.bytes, {}, in.limits).text();
  fuzz::same(whole, http_tests::read_chunked(in.bytes, in.cuts, in.limits).text());
  return 0;
}
