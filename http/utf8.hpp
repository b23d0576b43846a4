// utf8: checks that bytes are well-formed UTF-8 (RFC 3629), whole or as they arrive in pieces.
//
//   http::utf8_validator v;
//   for (std::string_view piece : pieces)
//     if (!v.feed(piece)) return fail();    // fails at the first byte that cannot fit
//   if (!v.complete()) return fail();       // the text ended inside a character
//
// Well-formed means: no byte C0, C1 or F5..FF; no continuation byte (80..BF) where a character
// must start; no overlong form; no surrogate (U+D800..U+DFFF); nothing above U+10FFFF; no
// character cut off at the end. Runs of ASCII are checked eight bytes at a time.
#pragma once

#include <cstdint>
#include <string_view>

#include "../base/export.hpp"

namespace eventlet::http {

// utf8_validator checks one text fed in pieces, split anywhere (even inside a character).
class EVENTLET_API utf8_validator {
 public:
  // feed() checks the next piece of the text. Returns false as soon as the bytes fed so far
  // cannot begin a well-formed text (at the first byte that cannot fit, so a peer's bad text is
  // refused before the rest arrives); the validator then stays failed until reset(). Throws
  // nothing.
  bool feed(std::string_view piece) noexcept;

  // complete() returns true if the text fed so far is well-formed and does not end inside a
  // character: what to ask when the text is all there. Throws nothing.
  bool complete() const noexcept { return !failed_ && need_ == 0; }

  // failed() returns true once feed() has returned false. Throws nothing.
  bool failed() const noexcept { return failed_; }

  // reset() starts over with a new, empty text. Throws nothing.
  void reset() noexcept { *this = utf8_validator(); }

 private:
  std::uint8_t need_ = 0;     // continuation bytes still due in the current character
  std::uint8_t low_ = 0x80;   // the range of the next continuation byte: narrower than 80..BF
  std::uint8_t high_ = 0xbf;  // right after some lead bytes (overlongs, surrogates, > U+10FFFF)
  bool failed_ = false;
};

// is_valid_utf8() returns true if `text` is well-formed UTF-8 from start to end. Throws
// nothing.
EVENTLET_API bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace eventlet::http
