// The chunked decoder (http/chunked.hpp): body bytes out, framing checked, limits, trailers kept
// apart, and the same result however the bytes arrive.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "http/chunked.hpp"
#include "transcript.hpp"

using namespace eventlet::http;
using http_tests::read_chunked;

namespace {

// The status a chunked body ends in (0 if it is read whole), read whole.
int status_of(const std::string& body, const limits& l = {}) {
  const http_tests::reading r = read_chunked(body, {}, l);
  return r.end == "end" ? 0 : r.end == "error" ? r.status : -1;
}

// Reads `body` whole, split at every point and byte by byte; checks they agree and returns the
// whole reading.
std::string read_every_way(const std::string& body, const limits& l = {}) {
  const std::string whole = read_chunked(body, {}, l).text();
  for (std::size_t at = 1; at < body.size(); ++at)
    REQUIRE_MESSAGE(read_chunked(body, {at}, l).text() == whole, "split at ", at);
  CHECK(read_chunked(body, http_tests::every_byte(body.size()), l).text() == whole);
  return whole;
}

}  // namespace

TEST_CASE("chunked: chunks, extensions, last-chunk 000 and trailers, split anywhere") {
  const std::string m =
      "5;a=b;c=\"d e\"\r\nhello\r\nA\r\n0123456789\r\n000\r\nT: 1\r\nU:  2 \r\n\r\nNEXT";
  CHECK(read_every_way(m) ==
        "  body hello0123456789\n  trailer T: 1\n  trailer U: 2\nend, then NEXT\n");
  chunked_decoder d;
  std::string buffered = m;
  while (!d.done()) buffered.erase(0, d.decode(buffered).consumed);
  CHECK(buffered == "NEXT");
  CHECK(d.trailers().get("u") == "2");
  CHECK(d.trailers().size() == 2);
}

TEST_CASE("chunked: one run of body bytes per call, framing consumed around it") {
  const std::string m = "3\r\nabc\r\n2;x\r\nde\r\n0\r\n\r\nrest";
  chunked_decoder d;
  std::string_view in = m;
  chunked_decoder::step s = d.decode(in);
  CHECK(s.data == "abc");
  CHECK(s.consumed == 6);                 // "3\r\n" and the data
  CHECK(s.data.data() == in.data() + 3);  // a view into the input, not a copy
  in.remove_prefix(s.consumed);
  s = d.decode(in);
  CHECK(s.data == "de");
  CHECK(s.consumed == 9);  // "\r\n2;x\r\n" and the data
  in.remove_prefix(s.consumed);
  s = d.decode(in);
  CHECK(s.data.empty());
  CHECK(s.consumed == 7);
  CHECK(d.done());
  in.remove_prefix(s.consumed);
  CHECK(in == "rest");
  CHECK(d.decode(in).consumed == 0);  // done: the next message starts here
  CHECK(d.trailers().empty());
  d.reset();
  CHECK_FALSE(d.done());
  s = d.decode("1\r\nz");
  CHECK(s.data == "z");
  CHECK(d.decode("").consumed == 0);
}

TEST_CASE("chunked: a chunk larger than what has come gives what has come") {
  chunked_decoder d;
  chunked_decoder::step s = d.decode("ffffffffffffffff\r\nabc");
  CHECK(s.consumed == 21);
  CHECK(s.data == "abc");
  s = d.decode("defg");
  CHECK(s.consumed == 4);
  CHECK(s.data == "defg");
  CHECK_FALSE(d.done());
}

TEST_CASE("chunked: broken framing is 400") {
  for (const char* bad : {"0x5\r\nhello\r\n0\r\n\r\n",
                          "+5\r\nhello\r\n0\r\n\r\n",
                          "-5\r\nhello\r\n0\r\n\r\n",
                          "5_\r\nhello\r\n0\r\n\r\n",
                          " 5\r\nhello\r\n0\r\n\r\n",
                          "5 \r\nhello\r\n0\r\n\r\n",
                          "\t5\r\nhello\r\n0\r\n\r\n",
                          "5\t;a\r\nhello\r\n0\r\n\r\n",
                          "g\r\n",
                          "5\nhello\r\n",
                          "5\rhello\r\n",
                          "5\r\r\nhello\r\n",
                          "5;a\nhello\r\n",
                          "5;a\r\r\nhello\r\n",
                          "5;\x7f\r\nhello\r\n",
                          "5\r\nhelloX\r\n0\r\n\r\n",
                          "5\r\nhello\n0\r\n\r\n",
                          "5\r\nhello\r0\r\n\r\n",
                          "\r\n",
                          ";\r\n",
                          "00000000000000005\r\nhello\r\n",
                          "10000000000000000\r\n",
                          "0\r\nGET / HTTP/1.1\r\n\r\n",
                          "0\r\nA: b\n\r\n",
                          "0\r\n\n",
                          "0\r\nA: b\r\r\n\r\n",
                          "0\r\n A: b\r\n\r\n",
                          "0\r\nA: b\r\n c\r\n\r\n",
                          "0\r\nA : b\r\n\r\n",
                          "0\r\n: b\r\n\r\n",
                          "0\r\nA: \x01\r\n\r\n",
                          "0\r\n\r\r\n\r\n"})
    CHECK_MESSAGE(status_of(bad) == 400, http_tests::printable(bad));
  CHECK(status_of(std::string("5;\0\r\nhello\r\n0\r\n\r\n", 17)) == 400);
}

TEST_CASE("chunked: accepted as RFC 9112 allows") {
  for (const char* good :
       {"0\r\n\r\n", "000\r\n\r\n", "0000000000000000\r\n\r\n", "1;a\r\nx\r\n0\r\n\r\n",
        "1;a=b;c=\"d;e\"\r\nx\r\n0\r\n\r\n", "1;a=\"\t\"\r\nx\r\n0;last\r\n\r\n",
        "aB\r\n"
        "0123456789012345678901234567890123456789012345678901234567890123456789"
        "01234567890123456789012345678901234567890123456789012345678901234567890123456789"
        "012345678901234567890\r\n0\r\n\r\n",
        "0\r\nT: 1\r\nT: 2\r\n\r\n", "0\r\nContent-Length: 5\r\n\r\n"})
    CHECK_MESSAGE(status_of(good) == 0, http_tests::printable(good));
  CHECK(status_of("5\r\nhel") == -1);
  CHECK(status_of("5\r\nhello\r\n0\r\nT: 1\r\n") == -1);
}

TEST_CASE("chunked: a chunk line is bounded by max_chunk_line, its CRLF not counted") {
  limits l;
  l.max_chunk_line = 8;
  CHECK(status_of("1;abcdef\r\nx\r\n0\r\n\r\n", l) == 0);  // 8 bytes
  CHECK(status_of("1;abcdefg\r\nx\r\n0\r\n\r\n", l) == 400);
  CHECK(status_of("1;abcdefg", l) == 400);  // before the line ends
  CHECK(status_of("00000001\r\nx\r\n0\r\n\r\n", l) == 0);
  CHECK(status_of("000000001\r\nx\r\n0\r\n\r\n", l) == 400);
  CHECK(status_of("0;abcdef\r\n\r\n", l) == 0);  // the last chunk's line too
  CHECK(status_of("0;abcdefg\r\n\r\n", l) == 400);
  CHECK(status_of("1;" + std::string(2000, 'a') + "\r\nx\r\n0\r\n\r\n") == 400);  // 1 KiB
}

TEST_CASE("chunked: trailers are bounded by max_trailers (431), their CRLFs counted") {
  limits l;
  l.max_trailers = 10;
  CHECK(status_of("0\r\nA: 123\r\n\r\n", l) == 0);  // 10 bytes
  CHECK(status_of("0\r\nA: 1234\r\n\r\n", l) == 431);
  CHECK(status_of("0\r\nA: 12345678901", l) == 431);  // before they end
  CHECK(status_of("0\r\n" + std::string(11, 'a'), l) == 431);
  CHECK(status_of("0\r\nA: " + std::string(20000, 'a') + "\r\n\r\n") == 431);  // 16 KiB
}

TEST_CASE("chunked: trailers are never read as the head's fields or as a request") {
  const std::string m =
      "0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nHost: evil\r\n\r\nGET / "
      "HTTP/1.1\r\n";
  CHECK(read_every_way(m) ==
        "  body \n  trailer Content-Length: 5\n  trailer Transfer-Encoding: chunked\n"
        "  trailer Host: evil\nend, then GET / HTTP/1.1\\r\\n\n");
}

TEST_CASE("chunked: every rule reads alike whole, split and byte by byte") {
  limits l;
  l.max_chunk_line = 6;
  l.max_trailers = 12;
  for (const char* m :
       {"5\r\nhello\r\n0\r\n\r\nx", "1;abcd\r\nx\r\n0\r\n\r\n", "1;abcde\r\nx\r\n0\r\n\r\n",
        "0\r\nA: 12345\r\n\r\n", "0\r\nA: 123456\r\n\r\n", "0\r\nA: 1\n\r\n",
        "0x1\r\na\r\n0\r\n\r\n", "1\r\nab\r\n", "0\r\n\r\r\n"})
    for (const limits& each : {limits(), l}) {
      INFO(http_tests::printable(m));
      read_every_way(m, each);
    }
}
