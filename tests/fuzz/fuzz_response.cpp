// libFuzzer target: a stream of responses to a request whose method the first byte picks
// (input.hpp), read whole and split.
#include <cstdint>

#include "../http/transcript.hpp"
#include "input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::input in = fuzz::read(data, size);
  const std::string whole = http_tests::read_responses(in.bytes, {}, in.method, in.limits).text();
  fuzz::same(whole, http_tests::read_responses(in.bytes, in.cuts, in.method, in.limits).text());
  return 0;
}
