// chunked_decoder: the chunked transfer coding's decoder (RFC 9112 §7.1), strict and with no
// I/O. It takes the bytes that follow a head and gives the body's bytes, as views into them
// (never copied), then the trailer section.
//
//   http::chunked_decoder d;
//   while (!d.done()) {
//     auto step = d.decode(buffered);  // buffered: bytes received, not yet consumed
//     consume(step.data);              // body bytes (a view into `buffered`), maybe none
//     buffered.erase(0, step.consumed);
//     if (step.consumed == 0) buffered += conn.recv(4096);  // needs more bytes
//   }
//   d.trailers();
//
// Refused with parse_error(400): a chunk size that is empty, longer than 16 hex digits, or has
// "0x", a sign, "_" or whitespace; a bare CR or LF in a chunk line; a chunk line (size and
// extensions) above limits::max_chunk_line; chunk data not followed by CRLF; a trailer section
// that breaks the field rules (as parser.hpp lists them for heads: a request line there is a
// field line without a colon). A trailer section above limits::max_trailers is 431. Chunk
// extensions are read and ignored; last-chunk "000" is accepted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../base/export.hpp"
#include "headers.hpp"
#include "parser.hpp"

namespace eventlet::http {

class EVENTLET_API chunked_decoder {
 public:
  explicit chunked_decoder(const limits& l = {}) : limits_(l) {}

  struct step {
    std::size_t consumed = 0;  // bytes of the input read (framing and data)
    std::string_view data;     // body bytes among them, a view into the input
  };
  // decode() reads what it can of `in`, the bytes that follow what earlier calls consumed:
  // chunk framing, and at most one run of body bytes, which it returns. consumed == 0 means it
  // needs more bytes. Once done(), it consumes nothing more: the next message starts there.
  // Throws parse_error (400, 431); after that the decoder is broken and must not be used.
  step decode(std::string_view in);
  // done() tells whether the last chunk and the trailer section have been read.
  bool done() const noexcept { return state_ == state::done; }
  // trailers() is the trailer section's fields (once done()), never merged into the head's.
  const headers& trailers() const noexcept { return trailers_; }
  // reset() makes it ready for another body.
  void reset() noexcept;

 private:
  enum class state { size, extension, size_lf, data, data_cr, data_lf, trailers, done };
  limits limits_;
  state state_ = state::size;
  std::uint64_t remaining_ = 0;  // of the current chunk's data, or its size being read
  std::size_t digits_ = 0;       // of the size being read
  std::size_t line_ = 0;         // bytes of the chunk line so far
  std::string trailer_bytes_;    // the trailer section, while it comes
  headers trailers_;
};

}  // namespace eventlet::http
