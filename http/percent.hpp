// percent: RFC 3986 percent-encoding, and form-encoded query strings
// (application/x-www-form-urlencoded), what Python's urllib.parse quote, unquote and parse_qsl do.
//
//   http::percent_decode("caf%C3%A9");  // "café" (UTF-8 bytes)
//   http::percent_encode("a b/c");      // "a%20b%2Fc"
//   http::percent_encode("a b/c", http::percent_keep::path);  // "a%20b/c"
//   http::parse_query("q=a+b&x");       // {{"q", "a b"}, {"x", ""}}
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../base/export.hpp"

namespace eventlet::http {

// percent_decode() replaces each "%XX" (two hex digits, either case) with the byte it names and
// keeps every other byte ('+' stays '+'). Throws std::invalid_argument for a '%' not followed by
// two hex digits.
EVENTLET_API std::string percent_decode(std::string_view text);

// form_decode() is percent_decode() with '+' read as a space, as in form data. Throws
// std::invalid_argument for a '%' not followed by two hex digits.
EVENTLET_API std::string form_decode(std::string_view text);

// What percent_encode() leaves as it is: the RFC 3986 unreserved bytes (A-Z a-z 0-9 - . _ ~),
// and for `path` also '/', to encode a path made of segments.
enum class percent_keep { unreserved, path };

// percent_encode() writes every byte but those `keep` names as "%XX" (upper-case hex, as RFC 3986
// recommends). Throws nothing but std::bad_alloc.
EVENTLET_API std::string percent_encode(std::string_view text,
                                        percent_keep keep = percent_keep::unreserved);

// The fields of a query string, in their order, repeated names included.
using query_fields = std::vector<std::pair<std::string, std::string>>;

// parse_query() reads a form-encoded query (without its '?'): fields separated by '&', each
// "name=value" or a bare "name" (its value is ""), both form_decode()d; empty fields ("a=1&&b=2")
// are skipped. Throws std::invalid_argument for a bad '%' escape, naming its offset in `query`.
EVENTLET_API query_fields parse_query(std::string_view query);

}  // namespace eventlet::http
