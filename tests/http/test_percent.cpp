// percent: decoding, encoding (round trips over every byte value), form-encoded queries.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "../support/refusal.hpp"
#include "http/percent.hpp"

using test_support::refusal;
using namespace eventlet::http;

namespace {

// "%XX" for `byte`, in the case given.
std::string escape(int byte, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  return {'%', digits[byte >> 4], digits[byte & 15]};
}

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}
}  // namespace

TEST_CASE("percent_decode: escapes in either case, other bytes as they are") {
  CHECK(percent_decode("") == "");
  CHECK(percent_decode("plain-text_1.~") == "plain-text_1.~");
  CHECK(percent_decode("caf%C3%A9") == "caf\xc3\xa9");
  CHECK(percent_decode("caf%c3%a9") == "caf\xc3\xa9");
  CHECK(percent_decode("a+b%2Bc") == "a+b+c");  // '+' is only a space in form data
  CHECK(percent_decode("%2541") == "%41");      // decoded once, not twice
  CHECK(percent_decode("%00") == std::string(1, '\0'));
}

TEST_CASE("percent_decode: every %XX names its byte") {
  for (int byte = 0; byte < 256; ++byte) {
    CAPTURE(byte);
    const std::string expected(1, static_cast<char>(byte));
    CHECK(percent_decode(escape(byte, true)) == expected);
    CHECK(percent_decode(escape(byte, false)) == expected);
  }
}

TEST_CASE("percent_decode: a '%' without two hex digits is refused, with its offset") {
  for (const char* bad : {"%", "%4", "%G1", "%4G", "%%41", "% 41", "%-1", "%+1"}) {
    CAPTURE(bad);
    CHECK(refusal([&] { percent_decode(bad); }) ==
          "percent_decode: '%' at offset 0 is not followed by two hex digits");
  }
  CHECK(refusal([] { percent_decode("ab%4"); }) ==
        "percent_decode: '%' at offset 2 is not followed by two hex digits");
  CHECK(refusal([] { form_decode("a+b%zz"); }) ==
        "form_decode: '%' at offset 3 is not followed by two hex digits");
}

TEST_CASE("form_decode: '+' is a space, %2B a plus") {
  CHECK(form_decode("a+b+%2B+c") == "a b + c");
  CHECK(form_decode("%20") == " ");
}

TEST_CASE("percent_encode: unreserved bytes kept, the rest as upper-case %XX") {
  CHECK(percent_encode("") == "");
  CHECK(percent_encode("AZaz09-._~") == "AZaz09-._~");
  CHECK(percent_encode("a b/c?d") == "a%20b%2Fc%3Fd");
  CHECK(percent_encode("a b/c?d", percent_keep::path) == "a%20b/c%3Fd");
  CHECK(percent_encode("caf\xc3\xa9") == "caf%C3%A9");
  CHECK(percent_encode(std::string(1, '\0')) == "%00");
  CHECK(percent_encode("1+1=2&x") == "1%2B1%3D2%26x");
}

TEST_CASE("percent_encode: each byte is kept or escaped, and decodes back (all 256)") {
  std::string all;
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    all += c;
    CAPTURE(byte);
    const std::string one(1, c);
    CHECK(percent_encode(one) == (unreserved(c) ? one : escape(byte, true)));
    CHECK(percent_encode(one, percent_keep::path) ==
          (unreserved(c) || c == '/' ? one : escape(byte, true)));
    CHECK(percent_decode(percent_encode(one)) == one);
  }
  for (const auto keep : {percent_keep::unreserved, percent_keep::path}) {
    const std::string encoded = percent_encode(all, keep);
    CHECK(percent_decode(encoded) == all);
    CHECK(form_decode(encoded) == all);  // '+' is escaped, so form data reads it back too
    // Only unreserved bytes, '%' escapes and (for paths) '/' are left.
    for (const char c : encoded) CHECK((unreserved(c) || c == '%' || c == '/'));
  }
  CHECK(percent_encode(all, percent_keep::path).size() == percent_encode(all).size() - 2);
}

TEST_CASE("parse_query: fields in order, '+' as space, bare names, repeats") {
  CHECK(parse_query("").empty());
  CHECK(parse_query("q=a+b&lang=en&x") == query_fields{{"q", "a b"}, {"lang", "en"}, {"x", ""}});
  CHECK(parse_query("a=1&a=2&b=&a=3") ==
        query_fields{{"a", "1"}, {"a", "2"}, {"b", ""}, {"a", "3"}});
  CHECK(parse_query("name%20x=caf%C3%A9%26co") == query_fields{{"name x", "caf\xc3\xa9&co"}});
  CHECK(parse_query("a==b&=v") == query_fields{{"a", "=b"}, {"", "v"}});
  CHECK(parse_query("&&a=1&&b=2&") == query_fields{{"a", "1"}, {"b", "2"}});
  CHECK(parse_query("a=1;b=2") == query_fields{{"a", "1;b=2"}});  // only '&' separates
  CHECK(parse_query("x=%3D%26%2B") == query_fields{{"x", "=&+"}});
}

TEST_CASE("parse_query: a bad escape is refused, with its offset in the query") {
  CHECK(refusal([] { parse_query("a=1&b%G=2"); }) ==
        "parse_query: '%' at offset 5 is not followed by two hex digits");
  CHECK(refusal([] { parse_query("a=1&b=2%"); }) ==
        "parse_query: '%' at offset 7 is not followed by two hex digits");
}
