// url: parsing absolute http(s) URLs, their parts, origins, resolving references (RFC 3986
// section 5.4), refusals that name the problem, and split_target().
#include <doctest/doctest.h>

#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "../support/refusal.hpp"
#include "http/url.hpp"

using eventlet::http::split_target;
using eventlet::http::url;
using test_support::refusal;

TEST_CASE("url: the parts of an https URL") {
  const auto u = url::parse("https://Example.COM:8443/a/b?q=1&r=%20#top");
  CHECK(u.scheme() == "https");
  CHECK(u.host() == "example.com");
  CHECK(u.port() == 8443);
  CHECK(u.path() == "/a/b");
  CHECK(u.query() == "q=1&r=%20");
  CHECK(u.target() == "/a/b?q=1&r=%20");
  CHECK(u.host_header() == "example.com:8443");
  CHECK(u.to_string() == "https://example.com:8443/a/b?q=1&r=%20");
}

TEST_CASE("url: the scheme is case-insensitive; ports default to 80 and 443") {
  const auto http = url::parse("HTTP://a.example");
  CHECK(http.scheme() == "http");
  CHECK(http.port() == 80);
  CHECK(http.path() == "/");
  CHECK(http.target() == "/");
  CHECK(http.host_header() == "a.example");
  CHECK(http.to_string() == "http://a.example/");
  CHECK(url::parse("hTTpS://a/").port() == 443);
  CHECK(url::parse("https://a:443/").host_header() == "a");
  CHECK(url::parse("https://a:80/").host_header() == "a:80");
  CHECK(url::parse("http://a:443/").host_header() == "a:443");
  CHECK(url::parse("http://a:/").port() == 80);  // an empty port is the default (RFC 3986 3.2.3)
  CHECK(url::parse("http://a:0080/").port() == 80);
  CHECK(url::parse("http://a:65535/").port() == 65535);
  CHECK(url::parse("http://a:1/").port() == 1);
}

TEST_CASE("url: path and query without a path, the fragment dropped") {
  CHECK(url::parse("http://a?x=1").target() == "/?x=1");
  CHECK(url::parse("http://a#frag").target() == "/");
  CHECK(url::parse("http://a/p?#f").target() == "/p");
  CHECK(url::parse("http://a/p?q/?x#f?/").query() == "q/?x");
  const auto all_allowed = url::parse("http://a/p:@!$&'()*+,;=-._~%41?q:@!$&'()*+,;=/?");
  CHECK(all_allowed.path() == "/p:@!$&'()*+,;=-._~%41");
  CHECK(all_allowed.query() == "q:@!$&'()*+,;=/?");
}

TEST_CASE("url: dot segments are removed from the path, escapes are kept") {
  CHECK(url::parse("http://a/b/../c/./d").path() == "/c/d");
  CHECK(url::parse("http://a/../../x").path() == "/x");
  CHECK(url::parse("http://a/b/..").path() == "/");
  CHECK(url::parse("http://a/b/.").path() == "/b/");
  CHECK(url::parse("http://a/b//c/../d").path() == "/b//d");
  CHECK(url::parse("http://a/b/..x/.y").path() == "/b/..x/.y");
  CHECK(url::parse("http://a/%2e%2E/%2F").path() == "/%2e%2E/%2F");
}

TEST_CASE("url: IPv4 and IPv6 hosts") {
  const auto v4 = url::parse("http://127.0.0.1:8080/x");
  CHECK(v4.host() == "127.0.0.1");
  CHECK(v4.host_header() == "127.0.0.1:8080");

  const auto v6 = url::parse("http://[::1]:8080/x");
  CHECK(v6.host() == "::1");
  CHECK(v6.port() == 8080);
  CHECK(v6.host_header() == "[::1]:8080");
  CHECK(v6.to_string() == "http://[::1]:8080/x");

  const auto v6_default = url::parse("https://[2001:DB8::A]/");
  CHECK(v6_default.host() == "2001:db8::a");
  CHECK(v6_default.host_header() == "[2001:db8::a]");
  CHECK(v6_default.to_string() == "https://[2001:db8::a]/");
  CHECK(url::parse("http://[::ffff:192.0.2.1]/").host() == "::ffff:192.0.2.1");
  CHECK(url::parse("http://[::]").host_header() == "[::]");
}

TEST_CASE("url: names with digits are names; a trailing dot is kept") {
  CHECK(url::parse("http://1.2.3.example/").host() == "1.2.3.example");
  CHECK(url::parse("http://example.com./").host() == "example.com.");
  CHECK(url::parse("http://0x7f.example/").host() == "0x7f.example");
  CHECK(url::parse("http://my_host-1~x/").host() == "my_host-1~x");
}

TEST_CASE("url: to_string() parses back to the same URL") {
  for (const char* text :
       {"http://a/", "https://a:8443/x?y", "http://[::1]:1/%20?%41", "https://b.example/p/q/"}) {
    CAPTURE(text);
    const auto u = url::parse(text);
    CHECK(u.to_string() == text);
    CHECK(url::parse(u.to_string()) == u);
  }
}

TEST_CASE("url: origins compare scheme, host and port") {
  const auto a = url::parse("http://a.example/x").origin();
  CHECK(a == url::parse("HTTP://A.example:80/y?z").origin());
  CHECK(a != url::parse("https://a.example/x").origin());
  CHECK(a != url::parse("http://a.example:8080/x").origin());
  CHECK(a != url::parse("http://b.example/x").origin());
  CHECK(url::parse("https://a:443/").origin() == url::parse("https://a/").origin());
  CHECK(a < url::parse("http://b.example/").origin());  // usable as a map key
  CHECK(a.to_string() == "http://a.example");
  CHECK(url::parse("https://[::1]:8443/p").origin().to_string() == "https://[::1]:8443");
  CHECK(url::parse("https://a:443/").origin().to_string() == "https://a");
}

TEST_CASE("url: resolve() gives RFC 3986's normal examples (5.4.1) that apply to http") {
  const auto base = url::parse("http://a/b/c/d;p?q");
  // Results as RFC 3986 writes them, less the fragment (dropped) and with an empty path as
  // "/" (equivalent for http: 6.2.3). "g:h" is not an http URL: refused below.
  const std::pair<const char*, const char*> examples[] = {
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g/"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q"},
      {"g#s", "http://a/b/c/g"},
      {"g?y#s", "http://a/b/c/g?y"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
  };
  for (const auto& example : examples) {
    CAPTURE(example.first);
    CHECK(base.resolve(example.first).to_string() == example.second);
  }
  CHECK(refusal([&] { base.resolve("g:h"); }) ==
        "url: unsupported scheme 'g' (only http and https)");
}

TEST_CASE("url: resolve() gives RFC 3986's abnormal examples (5.4.2) that apply to http") {
  const auto base = url::parse("http://a/b/c/d;p?q");
  const std::pair<const char*, const char*> examples[] = {
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g"},
      {"g#s/../x", "http://a/b/c/g"},
  };
  for (const auto& example : examples) {
    CAPTURE(example.first);
    CHECK(base.resolve(example.first).to_string() == example.second);
  }
  // A strict parser reads "http:g" as an absolute URL, which has no host here.
  CHECK(refusal([&] { base.resolve("http:g"); }) == "url: no '//' after 'http:' (no host)");
}

TEST_CASE("url: resolve() for Location headers: other origins, schemes, ports") {
  const auto base = url::parse("https://a.example:8443/dir/page?x=1");
  CHECK(base.resolve("http://b.example/new").to_string() == "http://b.example/new");
  CHECK(base.resolve("HTTPS://B.example:443/").to_string() == "https://b.example/");
  CHECK(base.resolve("//b.example/p").to_string() == "https://b.example/p");
  CHECK(base.resolve("//[::1]:9/p").to_string() == "https://[::1]:9/p");
  CHECK(base.resolve("/login?next=%2Fdir").to_string() ==
        "https://a.example:8443/login?next=%2Fdir");
  CHECK(base.resolve("other").to_string() == "https://a.example:8443/dir/other");
  CHECK(base.resolve("?").to_string() == "https://a.example:8443/dir/page");
  CHECK(base.resolve("http://b/x/../y").path() == "/y");
  CHECK(url::parse("http://a").resolve("g").to_string() == "http://a/g");
  CHECK(url::parse("http://a/").resolve("../g").to_string() == "http://a/g");
}

TEST_CASE("url: resolve() refuses bad references as parse() does") {
  const auto base = url::parse("http://a/b");
  CHECK(refusal([&] { base.resolve("mailto:x@y"); }) ==
        "url: unsupported scheme 'mailto' (only http and https)");
  CHECK(refusal([&] { base.resolve("a b"); }) == "url: the path has a space (percent-encode it)");
  CHECK(refusal([&] { base.resolve("/x?%g"); }) ==
        "url: the query has a '%' not followed by two hex digits");
  CHECK(refusal([&] { base.resolve("//u:p@h/"); }) ==
        "url: user information ('user:password@') is not supported");
  CHECK(refusal([&] { base.resolve("//h:99999/"); }) == "url: the port 99999 is not in 1..65535");
  CHECK(refusal([&] { base.resolve("x#a#b"); }) == "url: the fragment has '#' (percent-encode it)");
}

TEST_CASE("url: bad URLs are refused, each naming its problem") {
  using namespace std::string_view_literals;
  const std::pair<std::string_view, const char*> bad[] = {
      {"", "no scheme (an absolute http:// or https:// URL is needed)"},
      {"example.com/a", "no scheme (an absolute http:// or https:// URL is needed)"},
      {"/a:b", "no scheme (an absolute http:// or https:// URL is needed)"},
      {"://a/", "no scheme (an absolute http:// or https:// URL is needed)"},
      {"ftp://a/", "unsupported scheme 'ftp' (only http and https)"},
      {"WS://a/", "unsupported scheme 'ws' (only http and https)"},
      {"h ttp://a/", "the scheme has a space"},
      {" http://a/", "the scheme has a space"},
      {"1http://a/", "the scheme does not start with a letter"},
      {"http:a/b", "no '//' after 'http:' (no host)"},
      {"https:/a", "no '//' after 'https:' (no host)"},
      {"http://user:pw@a/", "user information ('user:password@') is not supported"},
      {"http://user@a/", "user information ('user:password@') is not supported"},
      {"http:///a", "no host"},
      {"http://:80/", "no host"},
      {"http://?q", "no host"},
      {"http://a b/", "the host has a space"},
      {"http://a\tb/", "the host has the control byte 0x09"},
      {"http://a\0b/"sv, "the host has the control byte 0x00"},
      {"http://ex%41mple.com/", "the host has '%'"},
      {"http://ex\xc3\xa4mple.com/", "the host has the non-ASCII byte 0xc3"},
      {"http://a!b/", "the host has '!'"},
      {"http://a\\b/", "the host has '\\'"},
      {"http://a]/", "the host has ']'"},
      {"http://./", "the host '.' has an empty label"},
      {"http://a..b/", "the host 'a..b' has an empty label"},
      {"http://.a/", "the host '.a' has an empty label"},
      {"http://a../", "the host 'a..' has an empty label"},
      {"http://127.1/",
       "the host '127.1' is not a valid IPv4 address (four decimal numbers "
       "0..255)"},
      {"http://0x7f.0.0.1/",
       "the host '0x7f.0.0.1' is not a valid IPv4 address (four decimal "
       "numbers 0..255)"},
      {"http://1.2.3.256/",
       "the host '1.2.3.256' is not a valid IPv4 address (four decimal "
       "numbers 0..255)"},
      {"http://01.2.3.4/",
       "the host '01.2.3.4' is not a valid IPv4 address (four decimal "
       "numbers 0..255)"},
      {"http://1.2.3.4./",
       "the host '1.2.3.4.' is not a valid IPv4 address (four decimal "
       "numbers 0..255)"},
      {"http://a.0X1F/",
       "the host 'a.0x1f' is not a valid IPv4 address (four decimal "
       "numbers 0..255)"},
      {"http://[::1/", "the IPv6 address has no closing ']'"},
      {"http://[fe80::1%25eth0]/", "IPv6 zone ids ('%' in brackets) are not supported"},
      {"http://[::g]/", "the IPv6 address has 'g'"},
      {"http://[v1.x]/", "the IPv6 address has 'v'"},
      {"http://[1:2]/", "'[1:2]' is not a valid IPv6 address"},
      {"http://[]/", "'[]' is not a valid IPv6 address"},
      {"http://[::1]x/", "'x' after the IPv6 address (':port' or the path expected)"},
      {"http://[::1]]/", "']' after the IPv6 address (':port' or the path expected)"},
      {"http://a:0/", "the port 0 is not in 1..65535"},
      {"http://a:65536/", "the port 65536 is not in 1..65535"},
      {"http://a:99999999999999999999/", "the port 99999999999999999999 is not in 1..65535"},
      {"http://a:8o/", "the port has 'o'"},
      {"http://a:-1/", "the port has '-'"},
      {"http://a:+1/", "the port has '+'"},
      {"http://a:80:81/", "the port has ':'"},
      {"http://a:8 0/", "the port has a space"},
      {"http://a/b c", "the path has a space (percent-encode it)"},
      {"http://a/ ", "the path has a space (percent-encode it)"},
      {"http://a/b\nc", "the path has the control byte 0x0a (percent-encode it)"},
      {"http://a/b\r", "the path has the control byte 0x0d (percent-encode it)"},
      {"http://a/\x7f", "the path has the control byte 0x7f (percent-encode it)"},
      {"http://a/\xff", "the path has the non-ASCII byte 0xff (percent-encode it)"},
      {"http://a/b|c", "the path has '|' (percent-encode it)"},
      {"http://a/[x]", "the path has '[' (percent-encode it)"},
      {"http://a/%zz", "the path has a '%' not followed by two hex digits"},
      {"http://a/%4", "the path has a '%' not followed by two hex digits"},
      {"http://a/?q=%", "the query has a '%' not followed by two hex digits"},
      {"http://a/?q=<x>", "the query has '<' (percent-encode it)"},
      {"http://a/?q=\"", "the query has '\"' (percent-encode it)"},
      {"http://a/?q=a b", "the query has a space (percent-encode it)"},
      {"http://a/#a#b", "the fragment has '#' (percent-encode it)"},
      {"http://a/#%", "the fragment has a '%' not followed by two hex digits"},
  };
  for (const auto& example : bad) {
    const auto text = example.first;
    CAPTURE(text);
    CHECK(refusal([&] { url::parse(text); }) == std::string("url: ") + example.second);
  }
}

TEST_CASE("url: random inputs give a URL that prints and parses back, or invalid_argument") {
  // Bytes that matter to the grammar, now and then one it refuses; a fixed seed.
  constexpr std::string_view good = "abcAF019:/?#[]@%.-_~!+";
  constexpr std::string_view bad = " \t\x80|";
  constexpr std::string_view prefixes[] = {"http://", "HTTPS://", "http:", "//", "/", ""};
  std::mt19937 random(12);
  const auto text = [&](std::string_view prefix) {
    std::string s(prefix);
    for (auto n = random() % 12; n > 0; --n)
      s += random() % 20 ? good[random() % good.size()] : bad[random() % bad.size()];
    return s;
  };
  // Invariants of every URL made: it prints as text that parses back to itself, its path is
  // absolute and has no dot segments left.
  const auto check = [](const url& u) {
    CHECK((u.scheme() == "http" || u.scheme() == "https"));
    CHECK(u.port() != 0);
    CHECK(u.path().starts_with('/'));
    CHECK(u.path().find("/./") == std::string::npos);
    CHECK(u.path().find("/../") == std::string::npos);
    CHECK(url::parse(u.to_string()) == u);
  };
  const auto base = url::parse("http://h/a/b?c");
  int parsed = 0, resolved = 0;
  for (int i = 0; i < 20000; ++i) {
    const auto prefix = prefixes[random() % std::size(prefixes)];
    const auto input = text(prefix);
    CAPTURE(input);
    if (refusal([&] { check(url::parse(input)); }).empty()) ++parsed;
    if (refusal([&] { check(base.resolve(input)); }).empty()) ++resolved;
  }
  MESSAGE(parsed << " of 20000 parsed, " << resolved << " resolved");
  CHECK(parsed > 500);
  CHECK(resolved > 2000);
}

TEST_CASE("split_target: path and query of an origin-form request-target") {
  auto [path, query] = split_target("/search?q=a+b&x");
  CHECK(path == "/search");
  CHECK(query == "q=a+b&x");
  CHECK(split_target("/").path == "/");
  CHECK(split_target("/").query.empty());
  CHECK(split_target("/a?").query.empty());
  CHECK(split_target("/a?b?c").query == "b?c");
  CHECK(split_target("/%2F?%3F").path == "/%2F");  // nothing is decoded
  for (const char* bad : {"", "*", "http://a/", "a/b", "?q"}) {
    CAPTURE(bad);
    CHECK(refusal([&] { split_target(bad); }) ==
          "split_target: the request-target does not start with '/'");
  }
}
