#include "transcript.hpp"

#include <algorithm>
#include <stdexcept>

#include "http/chunked.hpp"

namespace http_tests {

using namespace eventlet::http;

namespace {

// The bytes of a stream as they have arrived so far.
class arrivals {
 public:
  arrivals(std::string_view bytes, const std::vector<std::size_t>& cuts)
      : bytes_(bytes), cuts_(cuts) {}
  std::string_view from(std::size_t at) const { return bytes_.substr(at, received_ - at); }
  std::size_t received() const { return received_; }
  // next() receives the next piece; false once everything has come.
  bool next() {
    while (received_ < bytes_.size()) {
      const std::size_t to =
          next_ < cuts_.size() ? std::min(cuts_[next_++], bytes_.size()) : bytes_.size();
      if (to > received_) {
        received_ = to;
        return true;
      }
    }
    return false;
  }
  // all() receives everything.
  void all() { received_ = bytes_.size(); }

 private:
  std::string_view bytes_;
  const std::vector<std::size_t>& cuts_;
  std::size_t received_ = 0, next_ = 0;
};

const char* kind_name(body_kind k) {
  switch (k) {
    case body_kind::none:
      return "none";
    case body_kind::length:
      return "length";
    case body_kind::chunked:
      return "chunked";
    case body_kind::until_close:
      return "until-close";
  }
  return "?";
}

void write_fields(std::string& out, const char* what, const headers& h) {
  for (const field f : h) {
    out += "  ";
    out += what;
    out += ' ' + printable(f.name) + ": " + printable(f.value) + '\n';
  }
}

// head() waits for a head: parse(bytes) until it gives its size; 0 when the stream ends first.
template <typename Parse>
std::size_t head(arrivals& in, std::size_t at, Parse parse) {
  while (true) {
    const std::string_view data = in.from(at);
    const std::size_t n = parse(data);
    if (n > data.size()) throw std::logic_error("a head size beyond the bytes given");
    if (n) return n;
    if (!in.next()) return 0;
  }
}

// body() reads the body `kind` frames after a head (at `at`), appends it and its trailers to
// `out` and returns where it ends; npos if the stream ends first (`out` says so).
std::size_t body(arrivals& in, std::size_t at, body_kind kind, std::uint64_t length,
                 const limits& l, std::string& out) {
  switch (kind) {
    case body_kind::none:
      return at;
    case body_kind::length:
      while (in.received() - at < length)
        if (!in.next()) {
          out += "incomplete body\n";
          return std::string::npos;
        }
      out += "  body " + printable(in.from(at).substr(0, length)) + '\n';
      return at + length;
    case body_kind::until_close:
      in.all();
      out += "  body " + printable(in.from(at)) + "\nend\n";
      return std::string::npos;
    case body_kind::chunked:
      break;
  }
  chunked_decoder d(l);
  std::string data;
  while (!d.done()) {
    const std::string_view buffered = in.from(at);
    const chunked_decoder::step s = d.decode(buffered);
    if (s.consumed > buffered.size()) throw std::logic_error("the decoder consumed too much");
    data += s.data;
    at += s.consumed;
    if (s.consumed == 0 && !in.next()) {
      out += "  body " + printable(data) + "\nincomplete body\n";
      return std::string::npos;
    }
  }
  out += "  body " + printable(data) + '\n';
  write_fields(out, "trailer", d.trailers());
  return at;
}

}  // namespace

std::string printable(std::string_view bytes) {
  static const char hex[] = "0123456789abcdef";
  std::string s;
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r')
      s += "\\r";
    else if (c == '\n')
      s += "\\n";
    else if (c == '\\')
      s += "\\\\";
    else if (u >= 0x20 && u < 0x7f)
      s += c;
    else
      s += {'\\', 'x', hex[u >> 4], hex[u & 15]};
  }
  return s;
}

std::vector<std::size_t> every_byte(std::size_t size) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < size; ++i) cuts.push_back(i);
  return cuts;
}

std::string read_requests(std::string_view bytes, const std::vector<std::size_t>& cuts,
                          const limits& l) {
  arrivals in(bytes, cuts);
  request_parser p(l);
  std::string out;
  std::size_t at = 0;
  try {
    while (true) {
      const std::size_t n = head(in, at, [&](std::string_view d) { return p.parse(d); });
      if (!n) return out + (in.received() == at ? "end\n" : "incomplete head\n");
      const request_head& h = p.head();
      out += "request " + printable(h.method) + ' ' + printable(h.target) + " HTTP/1." +
             std::to_string(h.minor_version) + " size " + std::to_string(n) + '\n';
      write_fields(out, "field", h.fields);
      out += "  framing " + std::string(kind_name(h.body)) + ' ' +
             std::to_string(h.content_length) + " keep-alive " + std::to_string(h.keep_alive) +
             " expect-continue " + std::to_string(h.expect_continue) + '\n';
      at = body(in, at + n, h.body, h.content_length, l, out);
      if (at == std::string::npos) return out;
      p.reset();
    }
  } catch (const parse_error& e) {
    return out + "error " + std::to_string(e.status()) + '\n';
  }
}

std::string read_responses(std::string_view bytes, const std::vector<std::size_t>& cuts,
                           std::string_view method, const limits& l) {
  arrivals in(bytes, cuts);
  response_parser p(l);
  std::string out;
  std::size_t at = 0;
  try {
    while (true) {
      const std::size_t n = head(in, at, [&](std::string_view d) { return p.parse(d, method); });
      if (!n) return out + (in.received() == at ? "end\n" : "incomplete head\n");
      const response_head& h = p.head();
      out += "response HTTP/1." + std::to_string(h.minor_version) + ' ' + std::to_string(h.status) +
             ' ' + printable(h.reason) + " size " + std::to_string(n) + '\n';
      write_fields(out, "field", h.fields);
      out += "  framing " + std::string(kind_name(h.body)) + ' ' +
             std::to_string(h.content_length) + " keep-alive " + std::to_string(h.keep_alive) +
             '\n';
      at = body(in, at + n, h.body, h.content_length, l, out);
      if (at == std::string::npos) return out;
      p.reset();
    }
  } catch (const parse_error& e) {
    return out + "error " + std::to_string(e.status()) + '\n';
  }
}

std::string read_chunked(std::string_view bytes, const std::vector<std::size_t>& cuts,
                         const limits& l) {
  arrivals in(bytes, cuts);
  std::string out;
  try {
    const std::size_t end = body(in, 0, body_kind::chunked, 0, l, out);
    if (end == std::string::npos) return out;
    in.all();
    return out + "then " + printable(in.from(end)) + '\n';
  } catch (const parse_error& e) {
    return out + "error " + std::to_string(e.status()) + '\n';
  }
}

}  // namespace http_tests
