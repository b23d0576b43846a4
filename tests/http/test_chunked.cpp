// The chunked decoder (http/chunked.hpp): body bytes out, framing checked.
#include <doctest/doctest.h>

#include <string>

#include "http/chunked.hpp"

using namespace eventlet::http;

namespace {

// decode() run over `body` given `piece` bytes at a time: the body bytes, and what followed.
struct decoded {
  std::string body, rest;
  int status = 0;
};
decoded decode_all(const std::string& body, std::size_t piece) {
  chunked_decoder d;
  decoded out;
  std::string buffered;
  std::size_t fed = 0;
  try {
    while (!d.done()) {
      const auto step = d.decode(buffered);
      out.body += step.data;
      buffered.erase(0, step.consumed);
      if (step.consumed == 0) {
        if (fed == body.size()) break;
        const std::size_t n = std::min(piece, body.size() - fed);
        buffered += body.substr(fed, n);
        fed += n;
      }
    }
  } catch (const parse_error& e) {
    out.status = e.status();
  }
  out.rest = buffered + body.substr(fed);
  return out;
}

}  // namespace

TEST_CASE("chunks, extensions, last-chunk 000 and trailers, split anywhere") {
  const std::string m =
      "5;a=b;c=\"d e\"\r\nhello\r\nA\r\n0123456789\r\n000\r\nT: 1\r\nU: 2\r\n\r\nNEXT";
  for (std::size_t piece = 1; piece <= m.size(); ++piece) {
    const decoded d = decode_all(m, piece);
    CHECK(d.status == 0);
    CHECK(d.body == "hello0123456789");
    CHECK(d.rest == "NEXT");
  }
  chunked_decoder d;
  std::string buffered = m;
  while (!d.done()) buffered.erase(0, d.decode(buffered).consumed);
  CHECK(d.trailers().get("u") == "2");
  CHECK(d.trailers().size() == 2);
}

TEST_CASE("broken chunk framing is 400, long trailers 431") {
  for (const char* bad :
       {"0x5\r\nhello\r\n0\r\n\r\n", "+5\r\nhello\r\n0\r\n\r\n", "5_\r\nhello\r\n0\r\n\r\n",
        " 5\r\nhello\r\n0\r\n\r\n", "5 \r\nhello\r\n0\r\n\r\n", "5\nhello\r\n0\r\n\r\n",
        "5\r\nhelloX\r\n0\r\n\r\n", "\r\n", "00000000000000005\r\nhello\r\n",
        "0\r\nGET / HTTP/1.1\r\n\r\n", "0\r\nA: b\n\r\n", "0\r\n A: b\r\n\r\n"})
    CHECK_MESSAGE(decode_all(bad, 1).status == 400, bad);
  CHECK(decode_all("0\r\nA: " + std::string(20000, 'a') + "\r\n\r\n", 4096).status == 431);
  CHECK(decode_all("1;" + std::string(2000, 'a') + "\r\nx\r\n0\r\n\r\n", 4096).status == 400);
}
