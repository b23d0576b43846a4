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

field_list list(const headers& h) {
  field_list out;
  for (const field f : h) out.emplace_back(f.name, f.value);
  return out;
}

std::string framing(body_kind k, std::uint64_t length) {
  switch (k) {
    case body_kind::none:
      return "none";
    case body_kind::length:
      return "length " + std::to_string(length);
    case body_kind::chunked:
      return "chunked";
    case body_kind::until_close:
      return "until-close";
  }
  return "?";
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

// body() reads the body `kind` frames after a head (at `at`) into `m` and returns where it
// ends; npos if the stream ends with it (`r.end` says how).
std::size_t body(arrivals& in, std::size_t at, body_kind kind, std::uint64_t length,
                 const limits& l, message& m, reading& r) {
  switch (kind) {
    case body_kind::none:
      return at;
    case body_kind::length:
      while (in.received() - at < length)
        if (!in.next()) {
          r.end = "incomplete body";
          return std::string::npos;
        }
      m.body = in.from(at).substr(0, length);
      return at + length;
    case body_kind::until_close:
      in.all();
      m.body = in.from(at);
      m.whole = true;
      r.end = "end";
      return std::string::npos;
    case body_kind::chunked:
      break;
  }
  chunked_decoder d(l);
  while (!d.done()) {
    const std::string_view buffered = in.from(at);
    const chunked_decoder::step s = d.decode(buffered);
    if (s.consumed > buffered.size()) throw std::logic_error("the decoder consumed too much");
    m.body += s.data;
    at += s.consumed;
    if (s.consumed == 0 && !in.next()) {
      r.end = "incomplete body";
      return std::string::npos;
    }
  }
  m.trailers = list(d.trailers());
  return at;
}

// read() reads messages from `bytes` until the end or an error: parse(data) parses a head
// into a message and gives its size and framing.
template <typename Parse>
reading read(std::string_view bytes, const std::vector<std::size_t>& cuts, const limits& l,
             Parse parse) {
  arrivals in(bytes, cuts);
  reading r;
  std::size_t at = 0;
  try {
    while (true) {
      message m;
      body_kind kind = body_kind::none;
      std::uint64_t length = 0;
      m.head_size = head(in, at, [&](std::string_view d) { return parse(d, m, kind, length); });
      if (!m.head_size) {
        r.end = in.received() == at ? "end" : "incomplete head";
        return r;
      }
      m.framing = framing(kind, length);
      r.messages.push_back(m);
      at = body(in, at + m.head_size, kind, length, l, r.messages.back(), r);
      if (at == std::string::npos) return r;
      r.messages.back().whole = true;
    }
  } catch (const parse_error& e) {
    r.end = "error";
    r.status = e.status();
    return r;
  }
}

void write_fields(std::string& out, const char* what, const field_list& fields) {
  for (const auto& [name, value] : fields)
    out += "  " + std::string(what) + ' ' + printable(name) + ": " + printable(value) + '\n';
}

}  // namespace

std::string reading::text() const {
  std::string out;
  for (const message& m : messages) {
    if (!m.start.empty())
      out += printable(m.start) + " (head " + std::to_string(m.head_size) + ")\n";
    write_fields(out, "field", m.fields);
    if (!m.framing.empty())
      out += "  framing " + m.framing + " keep-alive " + std::to_string(m.keep_alive) +
             " expect-continue " + std::to_string(m.expect_continue) + '\n';
    out += "  body " + printable(m.body) + '\n';
    write_fields(out, "trailer", m.trailers);
  }
  if (end == "error") return out + "error " + std::to_string(status) + '\n';
  return out + end + (rest.empty() ? "" : ", then " + printable(rest)) + '\n';
}

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

reading read_requests(std::string_view bytes, const std::vector<std::size_t>& cuts,
                      const limits& l) {
  request_parser p(l);
  return read(bytes, cuts, l,
              [&](std::string_view d, message& m, body_kind& kind, std::uint64_t& length) {
                const std::size_t n = p.parse(d);
                if (!n) return n;
                const request_head& h = p.head();
                m.start = h.method + ' ' + h.target + " HTTP/1." + std::to_string(h.minor_version);
                m.fields = list(h.fields);
                m.keep_alive = h.keep_alive;
                m.expect_continue = h.expect_continue;
                kind = h.body;
                length = h.content_length;
                p.reset();
                return n;
              });
}

reading read_responses(std::string_view bytes, const std::vector<std::size_t>& cuts,
                       std::string_view method, const limits& l) {
  response_parser p(l);
  return read(bytes, cuts, l,
              [&](std::string_view d, message& m, body_kind& kind, std::uint64_t& length) {
                const std::size_t n = p.parse(d, method);
                if (!n) return n;
                const response_head& h = p.head();
                m.start = "HTTP/1." + std::to_string(h.minor_version) + ' ' +
                          std::to_string(h.status) + ' ' + h.reason;
                m.fields = list(h.fields);
                m.keep_alive = h.keep_alive;
                kind = h.body;
                length = h.content_length;
                p.reset();
                return n;
              });
}

reading read_chunked(std::string_view bytes, const std::vector<std::size_t>& cuts,
                     const limits& l) {
  arrivals in(bytes, cuts);
  reading r;
  r.messages.emplace_back();
  try {
    const std::size_t end = body(in, 0, body_kind::chunked, 0, l, r.messages.back(), r);
    if (end == std::string::npos) return r;
    r.messages.back().whole = true;
    in.all();
    r.end = "end";
    r.rest = in.from(end);
  } catch (const parse_error& e) {
    r.end = "error";
    r.status = e.status();
  }
  return r;
}

}  // namespace http_tests
