// utf8_validator: the well-formed forms of RFC 3629 accepted, every ill-formed one refused at
// its first bad byte, whatever the pieces the text arrives in.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "http/utf8.hpp"
#include "pieces.hpp"

using eventlet::http::is_valid_utf8;
using eventlet::http::utf8_validator;
using http_tests::bytes;
using http_tests::cuts;

namespace {

// first_bad_byte() feeds `text` a byte at a time and returns the index of the byte feed()
// refused, text.size() if the text ends inside a character, or -1 if it is well-formed.
long first_bad_byte(std::string_view text) {
  utf8_validator v;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (!v.feed(text.substr(i, 1))) return static_cast<long>(i);
  return v.complete() ? -1 : static_cast<long>(text.size());
}

}  // namespace

TEST_CASE("utf8: well-formed texts, from one to four bytes a character, at the boundaries") {
  const std::string valid[] = {
      "",
      "hello, world",
      "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",  // κόσμε (Kuhn's test 1)
      bytes({0x00}),                                   // U+0000
      bytes({0x7f}),                                   // U+007F
      bytes({0xc2, 0x80}),                             // U+0080
      bytes({0xdf, 0xbf}),                             // U+07FF
      bytes({0xe0, 0xa0, 0x80}),                       // U+0800
      bytes({0xed, 0x9f, 0xbf}),                       // U+D7FF, below the surrogates
      bytes({0xee, 0x80, 0x80}),                       // U+E000, above them
      bytes({0xef, 0xbf, 0xbd}),                       // U+FFFD
      bytes({0xef, 0xbf, 0xbf}),                       // U+FFFF
      bytes({0xf0, 0x90, 0x80, 0x80}),                 // U+10000
      bytes({0xf0, 0x9f, 0x98, 0x80}),                 // U+1F600
      bytes({0xf4, 0x8f, 0xbf, 0xbf}),                 // U+10FFFF, the last
  };
  for (const auto& text : valid) {
    CAPTURE(text);
    CHECK(is_valid_utf8(text));
    CHECK(first_bad_byte(text) == -1);
  }
}

TEST_CASE("utf8: ill-formed texts refused at the first byte that cannot fit") {
  struct bad {
    std::string text;
    long at;  // the byte refused; text.size() for a text that ends inside a character
  };
  const bad cases[] = {
      // Continuation bytes where a character must start.
      {bytes({0x80}), 0},
      {bytes({0xbf}), 0},
      {"a" + bytes({0x80, 0xbf}), 1},
      // Lead bytes never used: C0, C1 (overlong two-byte forms), F5..FF.
      {bytes({0xc0, 0xaf}), 0},
      {bytes({0xc1, 0xbf}), 0},
      {bytes({0xf5, 0x80, 0x80, 0x80}), 0},
      {bytes({0xf8, 0x88, 0x80, 0x80, 0x80}), 0},  // a five-byte form
      {bytes({0xfc, 0x84, 0x80, 0x80, 0x80, 0x80}), 0},
      {bytes({0xfe}), 0},
      {bytes({0xff}), 0},
      // Overlong three- and four-byte forms: the second byte is out of range.
      {bytes({0xe0, 0x80, 0xaf}), 1},
      {bytes({0xe0, 0x9f, 0xbf}), 1},
      {bytes({0xf0, 0x80, 0x80, 0xaf}), 1},
      {bytes({0xf0, 0x8f, 0xbf, 0xbf}), 1},
      // Surrogates, alone or paired.
      {bytes({0xed, 0xa0, 0x80}), 1},
      {bytes({0xed, 0xbf, 0xbf}), 1},
      {bytes({0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80}), 1},
      // Above U+10FFFF.
      {bytes({0xf4, 0x90, 0x80, 0x80}), 1},
      {bytes({0xf7, 0xbf, 0xbf, 0xbf}), 0},
      // A lead byte followed by something not a continuation byte.
      {bytes({0xc2, 0x41}), 1},
      {bytes({0xe1, 0x80, 0x41}), 2},
      {bytes({0xf1, 0x80, 0x80, 0xc2}), 3},
      // Texts cut off inside a character.
      {bytes({0xc2}), 1},
      {bytes({0xe0, 0xa0}), 2},
      {bytes({0xf0, 0x90, 0x80}), 3},
      {"abc" + bytes({0xf4, 0x8f, 0xbf}), 6},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK_FALSE(is_valid_utf8(c.text));
    CHECK(first_bad_byte(c.text) == c.at);
  }
}

TEST_CASE("utf8: the verdict does not depend on where the text is cut") {
  const std::string texts[] = {
      "plain ASCII, long enough for the eight-byte path: 0123456789abcdef",
      "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5 and \xf0\x9f\x98\x80 and \xf4\x8f\xbf\xbf",
      "0123456789abcdef" + bytes({0xed, 0xa0, 0x80}) + "0123456789",
      "0123456789abcdef0123" + bytes({0xf0, 0x9f, 0x98}),
  };
  for (const auto& text : texts) {
    const bool whole = is_valid_utf8(text);
    for (const auto& pieces : cuts(text)) {
      utf8_validator v;
      bool ok = true;
      for (auto piece : pieces) ok = v.feed(piece) && ok;
      CAPTURE(text);
      CHECK((ok && v.complete()) == whole);
    }
  }
}

TEST_CASE("utf8: a bad byte anywhere in a long ASCII run is found (the word-at-a-time path)") {
  for (std::size_t length = 1; length <= 40; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      std::string text(length, 'x');
      text[at] = '\x80';
      CAPTURE(length);
      CAPTURE(at);
      CHECK_FALSE(is_valid_utf8(text));
      text[at] = '\x7f';
      CHECK(is_valid_utf8(text));
    }
  }
}

TEST_CASE("utf8: a failed validator stays failed until reset()") {
  utf8_validator v;
  CHECK(v.feed("ok"));
  CHECK_FALSE(v.feed(bytes({0xff})));
  CHECK(v.failed());
  CHECK_FALSE(v.feed("fine again?"));
  CHECK_FALSE(v.complete());
  v.reset();
  CHECK_FALSE(v.failed());
  CHECK(v.feed(bytes({0xe2, 0x82})));
  CHECK_FALSE(v.complete());  // inside the euro sign
  CHECK(v.feed(bytes({0xac})));
  CHECK(v.complete());
}
