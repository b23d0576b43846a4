#include "stream.hpp"

#include <algorithm>
#include <cstdio>

namespace eventlet::green {

namespace {

// The delimiter as C would write it, for error messages: "\n" is shown as '\n'.
std::string shown(std::string_view delimiter) {
  std::string text = "'";
  for (const char c : delimiter) {
    switch (c) {
      case '\n':
        text += "\\n";
        break;
      case '\r':
        text += "\\r";
        break;
      case '\t':
        text += "\\t";
        break;
      case '\\':
        text += "\\\\";
        break;
      default:
        if (c >= ' ' && c <= '~') {
          text += c;
        } else {
          char hex[5];
          std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
          text += hex;
        }
    }
  }
  return text + "'";
}

}  // namespace

stream::stream(void* device, read_fn read, write_fn write, std::size_t buffer_size)
    : device_(device), read_(read), write_(write), buffer_size_(buffer_size) {
  if (buffer_size == 0) throw std::invalid_argument("stream: the buffer size must be > 0");
}

std::size_t stream::fill() {
  const std::size_t have = buffered();
  if (capacity_ - end_ < buffer_size_) {  // room for one more read: move down, or grow
    if (capacity_ < have + buffer_size_) {
      const std::size_t capacity = std::max(have + buffer_size_, 2 * capacity_);
      auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
      std::copy_n(in_.get() + start_, have, bigger.get());
      in_ = std::move(bigger);
      capacity_ = capacity;
    } else {
      std::copy_n(in_.get() + start_, have, in_.get());
    }
    start_ = 0;
    end_ = have;
  }
  const std::size_t got = read_(device_, std::span<char>(in_.get() + end_, buffer_size_));
  end_ += got;
  return got;
}

std::string stream::take(std::size_t n) {
  if (n == 0) return {};
  std::string result(in_.get() + start_, n);
  start_ += n;
  if (start_ == end_) start_ = end_ = 0;
  return result;
}

std::string stream::read(std::size_t n) {
  if (n == 0) return {};
  if (buffered() == 0) fill();
  return take(std::min(n, buffered()));
}

std::string stream::read_exactly(std::size_t n) {
  while (buffered() < n && fill() > 0) {
  }
  return take(std::min(n, buffered()));
}

std::string stream::readline(std::size_t max_length) { return line("\n", max_length, "readline"); }

std::string stream::read_until(std::string_view delimiter, std::size_t max_length) {
  if (delimiter.empty()) throw std::invalid_argument("read_until: the delimiter is empty");
  return line(delimiter, max_length, "read_until");
}

std::string stream::line(std::string_view delimiter, std::size_t max_length, const char* what) {
  if (max_length == 0) throw std::invalid_argument(std::string(what) + ": max_length is 0");
  std::size_t scanned = 0;  // where in the buffered bytes a delimiter may still begin
  for (;;) {
    const std::string_view have(in_.get() + start_, std::min(buffered(), max_length));
    if (const auto at = have.find(delimiter, scanned); at != std::string_view::npos)
      return take(at + delimiter.size());
    if (buffered() >= max_length)
      throw line_too_long(std::string(what) + ": no " + shown(delimiter) + " within max_length " +
                          std::to_string(max_length) + " bytes (the bytes stay buffered)");
    scanned = have.size() >= delimiter.size() ? have.size() - delimiter.size() + 1 : 0;
    if (fill() == 0) return take(buffered());  // EOF
  }
}

void stream::write_all(std::string_view data) {
  std::size_t sent = 0;
  try {
    while (sent < data.size()) sent += write_(device_, data.substr(sent));
  } catch (...) {
    out_ = std::string(data.substr(sent));  // `data` may be out_ itself
    throw;
  }
}

void stream::write(std::string_view data) {
  if (out_.empty() && data.size() >= buffer_size_) return write_all(data);  // straight through
  out_ += data;
  if (out_.size() >= buffer_size_) flush();
}

void stream::flush() {
  write_all(out_);
  out_.clear();
}

}  // namespace eventlet::green
