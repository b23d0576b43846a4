// line_transport: lines split out of what the transport reads, at most max_length held.
#include "line_transport.hpp"

#include <stdexcept>

#include "../green/stream.hpp"

namespace eventlet::embed {

line_transport::line_transport(green_transport t, std::string delimiter)
    : t_(std::move(t)), delimiter_(std::move(delimiter)) {
  if (delimiter_.empty()) throw std::invalid_argument("line_transport: empty delimiter");
}

std::optional<std::string> line_transport::read_line(std::size_t max_length) {
  std::size_t searched = 0;
  while (true) {
    const std::size_t at =
        buffer_.find(delimiter_, searched > delimiter_.size() ? searched - delimiter_.size() : 0);
    if (at != std::string::npos && at + delimiter_.size() <= max_length) {
      std::string line = buffer_.substr(0, at);
      buffer_.erase(0, at + delimiter_.size());
      return line;
    }
    if (buffer_.size() >= max_length)
      throw green::line_too_long("line_transport::read_line: no delimiter within " +
                                 std::to_string(max_length) + " bytes");
    searched = buffer_.size();
    std::string more = t_.read(max_length - buffer_.size());
    if (more.empty()) {
      if (buffer_.empty()) return std::nullopt;
      return std::exchange(buffer_, {});
    }
    buffer_ += more;
  }
}

void line_transport::send_line(std::string_view line) {
  if (line.find(delimiter_) != std::string_view::npos)
    throw std::invalid_argument("line_transport::send_line: the line holds the delimiter");
  std::string framed(line);
  framed += delimiter_;
  t_.write(framed);
}

}  // namespace eventlet::embed
