#include "parser.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "detail/fields.hpp"
#include "detail/syntax.hpp"

namespace eventlet::http {

namespace detail {

namespace {

// Where the request-target outgrows `max` bytes in `line`, the request line so far: the index
// of its byte `max` + 1, or npos. The target is the run of target characters after the first
// space, as request_parser::parse() reads it.
std::size_t target_overflow(std::string_view line, std::size_t max) {
  const std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos || line.size() - sp - 1 <= max) return std::string_view::npos;
  for (std::size_t i = sp + 1; i <= sp + 1 + max; ++i)
    if (!is_target_char(line[i])) return std::string_view::npos;
  return sp + 1 + max;
}

}  // namespace

std::size_t head_scanner::scan(std::string_view data, const limits& l, bool request) {
  if (data.size() < pos_)
    throw std::invalid_argument("http parser: fewer bytes than the last call was given");
  const int bad = request ? 400 : 502, too_large = request ? 431 : 502;
  while (true) {
    // (memchr() must not be given a null pointer, even for no bytes: an empty string_view's.)
    const void* lf =
        pos_ < data.size() ? std::memchr(data.data() + pos_, '\n', data.size() - pos_) : nullptr;
    const std::size_t at = lf ? static_cast<const char*>(lf) - data.data() : data.size();
    // The line's bytes so far, up to its LF. Each rule fails at a byte (the target's byte
    // max_target + 1, the head's byte max_head + 1, a line's LF): the first of them in this line
    // is reported, whether the line has ended or not.
    const std::size_t reach = lf ? at + 1 : data.size();
    if (request && lines_ == 0 && reach - line_ > l.max_target) {
      const std::size_t over = target_overflow(data.substr(line_, reach - line_), l.max_target);
      if (over != std::string_view::npos && line_ + over - start_ < l.max_head)
        throw parse_error(414, "the request-target is too long");
    }
    if (reach - start_ > l.max_head)
      throw parse_error(too_large, "the message head is longer than its limit");
    if (!lf) {
      pos_ = data.size();
      return 0;
    }
    if (at == line_ || data[at - 1] != '\r') throw parse_error(bad, "bare LF in the message head");
    const bool empty = at - 1 == line_;
    pos_ = line_ = at + 1;
    if (!empty) {
      if (++lines_ - 1 > l.max_fields)  // the start line is no field
        throw parse_error(too_large, "more header fields than allowed");
      continue;
    }
    if (lines_ == 0) {
      if (request && at == 1) {  // RFC 9112 §2.2: one empty line before the request line
        start_ = 2;
        continue;
      }
      throw parse_error(bad, "an empty line where the start line belongs");
    }
    return at + 1;
  }
}

}  // namespace detail

namespace {

// The version in "HTTP/1.1": its minor number. Throws parse_error: 505 for 2.0 and above,
// else 400 (or `status` for a response).
int parse_version(std::string_view v, int status) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
      v[7] < '0' || v[7] > '9')
    throw parse_error(status, "not an HTTP version");
  if (v[5] >= '2') throw parse_error(status == 400 ? 505 : status, "HTTP version not supported");
  if (v[5] != '1' || v[7] > '1') throw parse_error(status, "only HTTP/1.0 and HTTP/1.1 are spoken");
  return v[7] - '0';
}

// Content-Length: plain digits, no overflow.
std::uint64_t parse_length(std::string_view v, int status) {
  if (v.empty()) throw parse_error(status, "an empty Content-Length");
  std::uint64_t n = 0;
  for (const char c : v) {
    if (c < '0' || c > '9') throw parse_error(status, "Content-Length is not a decimal number");
    if (n > (std::numeric_limits<std::uint64_t>::max() - (c - '0')) / 10)
      throw parse_error(status, "Content-Length overflows");
    n = n * 10 + (c - '0');
  }
  return n;
}

// The characters of a reg-name (RFC 3986 §3.2.2) but %XX: unreserved and sub-delims.
bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Whether `v` is a valid Host value (RFC 9112 §3.2): empty, or a host, then perhaps ":" and the
// port's digits. The host is a reg-name (unreserved characters, sub-delims and %XX) or an IP
// literal in brackets (hex digits, ".", ":" and, for IPvFuture, what a reg-name holds).
bool valid_host(std::string_view v) {
  std::size_t i = 0;
  if (!v.empty() && v[0] == '[') {
    const std::size_t close = v.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (i = 1; i < close; ++i)
      if (!is_host_char(v[i]) && v[i] != ':') return false;
    ++i;
  } else {
    for (; i < v.size() && v[i] != ':'; ++i)
      if (v[i] == '%') {
        if (i + 2 >= v.size() || !is_hex(v[i + 1]) || !is_hex(v[i + 2])) return false;
        i += 2;
      } else if (!is_host_char(v[i])) {
        return false;
      }
  }
  if (i == v.size()) return true;
  if (v[i] != ':') return false;
  for (++i; i < v.size(); ++i)
    if (v[i] < '0' || v[i] > '9') return false;
  return true;
}

// What framing and connection fields say, read in one pass.
struct framing {
  std::size_t hosts = 0;
  std::string_view host;  // the last Host's value
  bool has_length = false, has_coding = false, close = false, keep_alive = false,
       expect_continue = false;
  std::uint64_t length = 0;
  std::size_t chunked = 0, known = 0;  // known: codings other than chunked
  bool last_chunked = false;
};

framing read_framing(const headers& h, int status) {
  framing f;
  for (const field x : h) {
    if (iequals(x.name, "content-length")) {
      const std::uint64_t n = parse_length(x.value, status);
      if (f.has_length && n != f.length)
        throw parse_error(status, "Content-Length given twice with different values");
      f.has_length = true;
      f.length = n;
    } else if (iequals(x.name, "transfer-encoding")) {
      f.has_coding = true;
      detail::for_each_element(x.value, [&](std::string_view c) {
        if (!detail::is_token(c))
          throw parse_error(status, "Transfer-Encoding is not a list of codings");
        f.last_chunked = iequals(c, "chunked");
        if (f.last_chunked)
          ++f.chunked;
        else if (iequals(c, "gzip") || iequals(c, "deflate") || iequals(c, "compress") ||
                 iequals(c, "x-gzip") || iequals(c, "x-compress"))
          ++f.known;
        else
          throw parse_error(status == 400 ? 501 : status, "unknown transfer coding");
      });
    } else if (iequals(x.name, "host")) {
      ++f.hosts;
      f.host = x.value;
    } else if (iequals(x.name, "connection")) {
      detail::for_each_element(x.value, [&](std::string_view t) {
        f.close |= iequals(t, "close");
        f.keep_alive |= iequals(t, "keep-alive");
      });
    } else if (iequals(x.name, "expect")) {
      f.expect_continue |= iequals(x.value, "100-continue");
    }
  }
  return f;
}

// RFC 9112 §3.2: the request-target is in origin form ("/path?query"), absolute form
// ("http://host/path"), authority form ("host:port", for CONNECT and only CONNECT) or "*"
// (for OPTIONS).
void check_target_form(std::string_view method, std::string_view target) {
  if (method == "CONNECT") {
    if (target.find_first_of("/?#@") != std::string_view::npos ||
        target.find(':') == std::string_view::npos)
      throw parse_error(400, "CONNECT's request-target is not host:port");
    return;
  }
  if (target.front() == '/') return;
  if (target == "*") {
    if (method != "OPTIONS") throw parse_error(400, "a request-target of * other than OPTIONS");
    return;
  }
  std::size_t i = 0;  // absolute form: scheme ":" ...
  const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  while (
      i < target.size() &&
      (alpha(target[i]) || (i > 0 && ((target[i] >= '0' && target[i] <= '9') || target[i] == '+' ||
                                      target[i] == '-' || target[i] == '.'))))
    ++i;
  if (i == 0 || i == target.size() || target[i] != ':')
    throw parse_error(400, "a request-target in no form HTTP/1.1 allows");
}

// The framing rules both directions share; `version` is the minor version.
void check_codings(const framing& f, int minor, int status) {
  if (!f.has_coding) return;
  if (minor == 0) throw parse_error(status, "Transfer-Encoding in an HTTP/1.0 message");
  if (f.has_length) throw parse_error(status, "both Content-Length and Transfer-Encoding");
  if (!f.last_chunked) throw parse_error(status, "the last transfer coding is not chunked");
  if (f.chunked > 1) throw parse_error(status, "chunked applied more than once");
  if (f.known) throw parse_error(status == 400 ? 501 : status, "transfer coding not supported");
}

}  // namespace

std::size_t request_parser::parse(std::string_view data) {
  const std::size_t end = scanner_.scan(data, limits_, true);
  if (!end) return 0;
  const std::size_t start = scanner_.start();
  const std::string_view head = data.substr(start, end - start);
  const std::string_view line = head.substr(0, head.find("\r\n"));
  detail::check_no_cr(line, 400);

  const std::size_t sp1 = line.find(' ');
  if (sp1 == 0) throw parse_error(400, "whitespace before the method");
  if (sp1 == std::string_view::npos) throw parse_error(400, "an HTTP/0.9 request");
  const std::string_view method = line.substr(0, sp1);
  if (!detail::is_token(method)) throw parse_error(400, "the method is not a token");
  std::size_t t = sp1 + 1;
  while (t < line.size() && detail::is_target_char(line[t])) ++t;
  // The scanner has checked the target's size (414).
  const std::string_view target = line.substr(sp1 + 1, t - sp1 - 1);
  if (target.empty()) throw parse_error(400, "an empty request-target");
  if (t == line.size()) throw parse_error(400, "an HTTP/0.9 request");
  if (line[t] != ' ') throw parse_error(400, "a control byte in the request-target");
  const int minor = parse_version(line.substr(t + 1), 400);
  check_target_form(method, target);

  request_head& h = head_;
  h.method.assign(method);
  h.target.assign(target);
  h.minor_version = minor;
  detail::parse_fields(head, line.size() + 2, h.fields, 400, "header");

  const framing f = read_framing(h.fields, 400);
  if (f.hosts > 1) throw parse_error(400, "Host given more than once");
  if (minor == 1 && f.hosts == 0) throw parse_error(400, "no Host in an HTTP/1.1 request");
  if (!valid_host(f.host)) throw parse_error(400, "an invalid Host");
  check_codings(f, minor, 400);
  h.content_length = f.has_length ? f.length : 0;
  h.body =
      f.has_coding ? body_kind::chunked : (h.content_length ? body_kind::length : body_kind::none);
  h.keep_alive = minor == 1 ? !f.close : f.keep_alive && !f.close;
  h.expect_continue = minor == 1 && f.expect_continue;
  return end;
}

std::size_t response_parser::parse(std::string_view data, std::string_view request_method) {
  const std::size_t end = scanner_.scan(data, limits_, false);
  if (!end) return 0;
  const std::string_view head = data.substr(0, end);
  const std::string_view line = head.substr(0, head.find("\r\n"));
  detail::check_no_cr(line, 502);

  const int minor = parse_version(line.substr(0, std::min<std::size_t>(8, line.size())), 502);
  if (line.size() < 12 || line[8] != ' ' || (line.size() > 12 && line[12] != ' '))
    throw parse_error(502, "a malformed status line");
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') throw parse_error(502, "the status is not 3 digits");
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100) throw parse_error(502, "a status below 100");
  const std::string_view reason = line.size() > 12 ? line.substr(13) : std::string_view();
  for (const char c : reason)
    if (!detail::value_chars[static_cast<unsigned char>(c)])
      throw parse_error(502, "a control byte in the reason phrase");

  response_head& h = head_;
  h.status = status;
  h.reason.assign(reason);
  h.minor_version = minor;
  detail::parse_fields(head, line.size() + 2, h.fields, 502, "header");

  const framing f = read_framing(h.fields, 502);
  check_codings(f, minor, 502);
  h.content_length = f.has_length ? f.length : 0;
  const bool no_body = status < 200 || status == 204 || status == 304 || request_method == "HEAD" ||
                       (request_method == "CONNECT" && status < 300);
  if (no_body)
    h.body = body_kind::none;
  else if (f.has_coding)
    h.body = body_kind::chunked;
  else if (f.has_length)
    h.body = h.content_length ? body_kind::length : body_kind::none;
  else
    h.body = body_kind::until_close;
  h.keep_alive =
      h.body != body_kind::until_close && (minor == 1 ? !f.close : f.keep_alive && !f.close);
  return end;
}

}  // namespace eventlet::http
