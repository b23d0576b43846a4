// line_transport: a line protocol as a blocking-style transport (the seed's
// LineOnlyReceiverTransport), over a green_transport. How any protocol becomes one: a class
// that reads and writes its frames with the transport's blocking calls.
//
//   eventlet::embed::line_transport lines(std::move(t));
//   while (auto line = lines.read_line()) lines.send_line("echo: " + *line);
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "../base/export.hpp"
#include "transport.hpp"

namespace eventlet::embed {

class EVENTLET_API line_transport {
 public:
  static constexpr std::size_t default_max_length = 16 * 1024;

  // line_transport() reads and writes lines ending in `delimiter` ("\r\n" by default) over
  // `t`. Throws std::invalid_argument for an empty delimiter.
  explicit line_transport(green_transport t, std::string delimiter = "\r\n");

  // read_line() returns the next line without its delimiter, or nullopt at EOF (a last line
  // with no delimiter is returned as a line). Throws green::line_too_long when no delimiter
  // comes within `max_length` bytes (the delimiter counted): the rest of that line is not
  // read into memory. Throws what the transport throws.
  std::optional<std::string> read_line(std::size_t max_length = default_max_length);

  // send_line() writes `line` and the delimiter. Throws std::invalid_argument when `line`
  // holds the delimiter, and what the transport throws.
  void send_line(std::string_view line);

  // transport() is the transport under it.
  green_transport& transport() noexcept { return t_; }

 private:
  green_transport t_;
  std::string delimiter_;
  std::string buffer_;
};

}  // namespace eventlet::embed
