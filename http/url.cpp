#include "url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <stdexcept>

namespace eventlet::http {

namespace {

constexpr auto npos = std::string_view::npos;

[[noreturn]] void refuse(const std::string& why) { throw std::invalid_argument("url: " + why); }

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); }
bool is_unreserved(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool is_sub_delim(char c) { return std::string_view("!$&'()*+,;=").find(c) != npos; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; });
  return out;
}

// How an error names a byte: 'x', a space, or its value in hex.
std::string describe(char c) {
  static constexpr char digits[] = "0123456789abcdef";
  const auto byte = static_cast<unsigned char>(c);
  const std::string hex = {'0', 'x', digits[byte >> 4], digits[byte & 15]};
  if (c == ' ') return "a space";
  if (byte < 0x20 || byte == 0x7f) return "the control byte " + hex;
  if (byte >= 0x80) return "the non-ASCII byte " + hex;
  return std::string("'") + c + "'";
}

// Checks that `part` (named `what` in errors) holds only RFC 3986 pchar bytes (unreserved,
// sub-delims, ':', '@', "%XX" escapes) and those in `also`.
void check_chars(std::string_view part, std::string_view also, const char* what) {
  for (std::size_t i = 0; i < part.size(); ++i) {
    const char c = part[i];
    if (c == '%') {
      if (i + 2 >= part.size() || !is_hex(part[i + 1]) || !is_hex(part[i + 2]))
        refuse(std::string(what) + " has a '%' not followed by two hex digits");
      i += 2;
    } else if (!is_unreserved(c) && !is_sub_delim(c) && c != ':' && c != '@' &&
               also.find(c) == npos) {
      refuse(std::string(what) + " has " + describe(c) + " (percent-encode it)");
    }
  }
}

// True if `c` may be in an RFC 3986 scheme (which starts with a letter).
bool is_scheme_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
}

std::uint16_t default_port(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

// The host and port as a Host header or an origin writes them.
std::string host_and_port(std::string_view scheme, const std::string& host, std::uint16_t port) {
  std::string out = host.find(':') == npos ? host : "[" + host + "]";
  if (port != default_port(scheme)) out += ":" + std::to_string(port);
  return out;
}

// The text inside "[...]": an IPv6 address, lower-cased, without a zone id.
std::string ipv6_host(std::string_view text) {
  if (text.find('%') != npos) refuse("IPv6 zone ids ('%' in brackets) are not supported");
  for (const char c : text)
    if (!is_hex(c) && c != ':' && c != '.') refuse("the IPv6 address has " + describe(c));
  std::string host = lower(text);
  in6_addr address;
  if (inet_pton(AF_INET6, host.c_str(), &address) != 1)
    refuse("'[" + host + "]' is not a valid IPv6 address");
  return host;
}

// True if `label` is a number in one of the forms inet_aton(3) and browsers read as part of an
// IPv4 address: decimal digits, or "0x" and hex digits.
bool is_numeric(std::string_view label) {
  if (label.starts_with("0x") || label.starts_with("0X"))
    return std::all_of(label.begin() + 2, label.end(), is_hex);
  return !label.empty() && std::all_of(label.begin(), label.end(), is_digit);
}

// A host that is not in brackets: a name of unreserved bytes, lower-cased, with no empty label
// (but for a last '.'). One whose last label is a number must be a dotted-decimal IPv4 address:
// "127.1" and "0x7f.0.0.1", which resolvers read as 127.0.0.1, are refused rather than read as
// names or addresses.
std::string name_host(std::string_view text) {
  if (text.empty()) refuse("no host");
  for (const char c : text)
    if (!is_unreserved(c)) refuse("the host has " + describe(c));
  std::string host = lower(text);
  if (host.starts_with('.') || host.find("..") != npos)
    refuse("the host '" + host + "' has an empty label");
  std::string_view labels = host;  // a name may end with '.' (the root)
  if (labels.ends_with('.')) labels.remove_suffix(1);
  in_addr address;
  if (is_numeric(labels.substr(labels.rfind('.') + 1)) &&
      inet_pton(AF_INET, host.c_str(), &address) != 1)
    refuse("the host '" + host + "' is not a valid IPv4 address (four decimal numbers 0..255)");
  return host;
}

// A port of decimal digits, 1..65535; "" is the scheme's default.
std::uint16_t parse_port(std::string_view text, std::uint16_t default_value) {
  if (text.empty()) return default_value;
  unsigned value = 0;
  for (const char c : text) {
    if (!is_digit(c)) refuse("the port has " + describe(c));
    value = std::min(value * 10 + (c - '0'), 65536u);
  }
  if (value == 0 || value > 65535) refuse("the port " + std::string(text) + " is not in 1..65535");
  return static_cast<std::uint16_t>(value);
}

// The path, query and fragment of a URL or a relative reference, checked; the fragment is
// dropped. `has_query` tells "?" (an empty query) from no query.
struct tail_parts {
  std::string_view path, query;
  bool has_query;
};

tail_parts split_tail(std::string_view tail) {
  if (const auto hash = tail.find('#'); hash != npos) {
    check_chars(tail.substr(hash + 1), "/?", "the fragment");
    tail = tail.substr(0, hash);
  }
  const auto question = tail.find('?');
  const tail_parts parts{tail.substr(0, question),
                         question == npos ? std::string_view() : tail.substr(question + 1),
                         question != npos};
  check_chars(parts.path, "/", "the path");
  check_chars(parts.query, "/?", "the query");
  return parts;
}

// RFC 3986 section 5.2.4 for a path that starts with '/' (every path here does): drops "."
// segments, and ".." segments with the segment before them. A last "." or ".." leaves a '/'.
std::string remove_dot_segments(std::string_view path) {
  std::string out;
  while (!path.empty()) {
    const auto slash = path.find('/', 1);
    const bool last = slash == npos;
    const auto segment = path.substr(1, last ? npos : slash - 1);
    path.remove_prefix(last ? path.size() : slash);
    if (segment == "..") out.resize(out.empty() ? 0 : out.rfind('/'));
    if (segment != "." && segment != "..") {
      out += '/';
      out += segment;
    } else if (last) {
      out += '/';
    }
  }
  return out;
}

}  // namespace

std::string origin::to_string() const { return scheme + "://" + host_and_port(scheme, host, port); }

url::url(std::string scheme, std::string host, std::uint16_t port, std::string path,
         std::string query)
    : scheme_(std::move(scheme)),
      host_(std::move(host)),
      port_(port),
      path_(std::move(path)),
      query_(std::move(query)) {}

url url::parse(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == 0 || colon == npos || colon > text.find_first_of("/?#"))
    refuse("no scheme (an absolute http:// or https:// URL is needed)");
  for (const char c : text.substr(0, colon))
    if (!is_scheme_char(c)) refuse("the scheme has " + describe(c));
  if (!is_alpha(text[0])) refuse("the scheme does not start with a letter");
  std::string scheme = lower(text.substr(0, colon));
  if (scheme != "http" && scheme != "https")
    refuse("unsupported scheme '" + scheme + "' (only http and https)");

  auto rest = text.substr(colon + 1);
  if (!rest.starts_with("//")) refuse("no '//' after '" + scheme + ":' (no host)");
  rest.remove_prefix(2);
  const auto end = std::min(rest.find_first_of("/?#"), rest.size());
  const auto authority = rest.substr(0, end);
  if (authority.find('@') != npos) refuse("user information ('user:password@') is not supported");
  std::string host;
  std::string_view after_host;  // "" or ":port"
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == npos) refuse("the IPv6 address has no closing ']'");
    host = ipv6_host(authority.substr(1, close - 1));
    after_host = authority.substr(close + 1);
    if (!after_host.empty() && after_host[0] != ':')
      refuse(describe(after_host[0]) + " after the IPv6 address (':port' or the path expected)");
  } else {
    const auto port_colon = std::min(authority.find(':'), authority.size());
    host = name_host(authority.substr(0, port_colon));
    after_host = authority.substr(port_colon);
  }
  const auto port =
      parse_port(after_host.empty() ? after_host : after_host.substr(1), default_port(scheme));

  const auto tail = split_tail(rest.substr(end));
  return url(std::move(scheme), std::move(host), port,
             tail.path.empty() ? "/" : remove_dot_segments(tail.path), std::string(tail.query));
}

std::string url::target() const { return query_.empty() ? path_ : path_ + "?" + query_; }

std::string url::host_header() const { return host_and_port(scheme_, host_, port_); }

http::origin url::origin() const { return {scheme_, host_, port_}; }

url url::resolve(std::string_view reference) const {
  const auto colon = reference.find(':');
  if (colon != npos && colon < reference.find_first_of("/?#")) return parse(reference);
  if (reference.starts_with("//")) return parse(scheme_ + ":" + std::string(reference));
  const auto ref = split_tail(reference);
  if (ref.path.empty())
    return url(scheme_, host_, port_, path_, ref.has_query ? std::string(ref.query) : query_);
  const std::string merged = ref.path.starts_with('/')
                                 ? std::string(ref.path)
                                 : path_.substr(0, path_.rfind('/') + 1) + std::string(ref.path);
  return url(scheme_, host_, port_, remove_dot_segments(merged), std::string(ref.query));
}

std::string url::to_string() const { return scheme_ + "://" + host_header() + target(); }

target_parts split_target(std::string_view target) {
  if (!target.starts_with('/'))
    throw std::invalid_argument("split_target: the request-target does not start with '/'");
  const auto question = target.find('?');
  return {target.substr(0, question),
          question == npos ? std::string_view() : target.substr(question + 1)};
}

}  // namespace eventlet::http
