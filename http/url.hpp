// url: an absolute http or https URL, the part of RFC 3986 an HTTP client uses, and the split
// of a server's request-target.
//
//   auto u = http::url::parse("https://Example.com:8443/a/b?q=1#top");
//   u.host();           // "example.com"
//   u.port();           // 8443
//   u.target();         // "/a/b?q=1", for the request line
//   u.host_header();    // "example.com:8443"
//   u.resolve("../c");  // https://example.com:8443/c, for a Location header
//   auto [path, query] = http::split_target("/search?q=x");  // "/search", "q=x"
//
// The parser is strict: only http and https, no user information, a host that is a DNS-style
// name, a dotted IPv4 address or a bracketed IPv6 address, and only the bytes RFC 3986 allows,
// '%' always followed by two hex digits. Percent escapes are kept as written: percent.hpp
// decodes them. Nothing here looks names up.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "../base/export.hpp"

namespace eventlet::http {

// origin: what makes two URLs "the same origin" (RFC 6454), as the client compares them to
// share connections and to decide which headers survive a redirect.
struct EVENTLET_API origin {
  std::string scheme;  // "http" or "https"
  std::string host;    // as url::host()
  std::uint16_t port = 0;

  // to_string() is "https://example.com", with ":port" only if it is not the scheme's default
  // (the form of an Origin header).
  std::string to_string() const;

  friend auto operator<=>(const origin&, const origin&) = default;
};

class EVENTLET_API url {
 public:
  // parse() reads an absolute http or https URL. The scheme and host are made lower-case, the
  // port defaults to 80 or 443, an empty path is "/", dot segments are removed from the path
  // ("/a/../b" is "/b"), and the fragment is dropped. Throws std::invalid_argument naming what
  // is wrong: no scheme, another scheme than http or https, no "//host", user information
  // ("user:pass@"), an empty or invalid host, an IPv6 zone id, a port that is not 1..65535, a
  // byte that a URL may not hold there (space, control, non-ASCII, ...), a bad '%' escape.
  static url parse(std::string_view text);

  // scheme() is "http" or "https".
  const std::string& scheme() const noexcept { return scheme_; }

  // host() is a lower-case name ("example.com"), a dotted IPv4 address, or an IPv6 address
  // without its brackets ("::1").
  const std::string& host() const noexcept { return host_; }

  // port() is the port written in the URL, or the scheme's default.
  std::uint16_t port() const noexcept { return port_; }

  // path() starts with '/'; percent escapes are as written.
  const std::string& path() const noexcept { return path_; }

  // query() is what followed '?' (without it), or "".
  const std::string& query() const noexcept { return query_; }

  // target() is the request-target of origin form: path(), then '?' and query() if query() is
  // not empty ("http://a/p?" and "http://a/p" are the same request).
  std::string target() const;

  // host_header() is the Host header's value: host(), in brackets for IPv6, and ":port" only
  // if the port is not the scheme's default.
  std::string host_header() const;

  // origin() is (scheme, host, port), which two URLs share if they are of the same origin.
  http::origin origin() const;

  // resolve() makes the URL that `reference` (a Location header, a link) names relative to
  // this one (RFC 3986 section 5.2): an absolute URL, "//host/path" (this URL's scheme), "/path",
  // "path" or "../path" (against this URL's path, dot segments removed), "?query" or "". The
  // fragment is dropped. Throws std::invalid_argument as parse() does, for a bad reference.
  url resolve(std::string_view reference) const;

  // to_string() is the URL: "scheme://" host_header() target().
  std::string to_string() const;

  friend bool operator==(const url&, const url&) = default;

 private:
  url(std::string scheme, std::string host, std::uint16_t port, std::string path,
      std::string query);

  std::string scheme_;
  std::string host_;
  std::uint16_t port_;
  std::string path_;
  std::string query_;
};

// The two parts of a request-target of origin form; views into the target.
struct target_parts {
  std::string_view path;   // from the leading '/' up to '?'
  std::string_view query;  // after '?' (without it), or ""
};

// split_target() splits an origin-form request-target ("/path?query") at its first '?',
// without decoding (percent_decode(), parse_query() do). Throws std::invalid_argument if the
// target does not start with '/' (absolute-form targets go through url::parse()).
EVENTLET_API target_parts split_target(std::string_view target);

}  // namespace eventlet::http
