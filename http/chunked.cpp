#include "chunked.hpp"

#include <algorithm>

#include "detail/fields.hpp"
#include "detail/syntax.hpp"

namespace eventlet::http {

namespace {

[[noreturn]] void fail(const char* rule) {
  throw parse_error(400, std::string("invalid chunked body: ") + rule);
}

}  // namespace

void chunked_decoder::reset() noexcept {
  state_ = state::size;
  remaining_ = digits_ = line_ = 0;
  trailer_bytes_.clear();
  trailers_.clear();
}

chunked_decoder::step chunked_decoder::decode(std::string_view in) {
  std::size_t i = 0;
  for (; i < in.size(); ++i) {
    const char c = in[i];
    switch (state_) {
      case state::size:
      case state::extension:
        if (c != '\r' && ++line_ > limits_.max_chunk_line)
          fail("a chunk line longer than its limit");
        if (c == '\r') {
          if (digits_ == 0) fail("a chunk line without a size");
          state_ = state::size_lf;
        } else if (state_ == state::extension) {
          if (!detail::value_chars[static_cast<unsigned char>(c)])
            fail(c == '\n' ? "bare LF in a chunk line" : "a control byte in a chunk extension");
        } else if (const int v = detail::hex_value(c); v >= 0) {
          if (++digits_ > 16) fail("a chunk size of more than 16 hex digits");
          remaining_ = remaining_ << 4 | static_cast<unsigned>(v);
        } else if (c == ';' && digits_ > 0) {
          state_ = state::extension;
        } else {
          fail(c == '\n' ? "bare LF in a chunk line" : "a chunk size that is not hex digits");
        }
        break;
      case state::size_lf:
        if (c != '\n') fail("bare CR in a chunk line");
        state_ = remaining_ ? state::data : state::trailers;
        line_ = digits_ = 0;
        break;
      case state::data: {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size() - i));
        remaining_ -= n;
        if (remaining_ == 0) state_ = state::data_cr;
        return {i + n, in.substr(i, n)};
      }
      case state::data_cr:
      case state::data_lf:
        if (c != (state_ == state::data_cr ? '\r' : '\n')) fail("chunk data not followed by CRLF");
        state_ = state_ == state::data_cr ? state::data_lf : state::size;
        break;
      case state::trailers:
        if (trailer_bytes_.size() >= limits_.max_trailers)
          throw parse_error(431, "a trailer section longer than its limit");
        trailer_bytes_ += c;
        if (c != '\n') break;
        if (trailer_bytes_.size() < 2 || trailer_bytes_[trailer_bytes_.size() - 2] != '\r')
          fail("bare LF in the trailer section");
        if (trailer_bytes_.size() - 2 != line_) {
          line_ = trailer_bytes_.size();
          break;
        }
        detail::parse_fields(trailer_bytes_, 0, trailers_, 400, "trailer");
        trailer_bytes_.clear();
        state_ = state::done;
        return {i + 1, {}};
      case state::done:
        return {i, {}};
    }
  }
  return {i, {}};
}

}  // namespace eventlet::http
