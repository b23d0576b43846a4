// websocket_handshake: RFC 6455's accept key example, random client keys, and the checks of a
// client's key.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "http/websocket_handshake.hpp"

using namespace eventlet::http;

TEST_CASE("websocket handshake: the accept key of RFC 6455 §1.3") {
  CHECK(websocket_accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("websocket handshake: random client keys are valid and differ") {
  const std::string a = websocket_random_client_key(), b = websocket_random_client_key();
  CHECK(a.size() == 24);
  CHECK(is_valid_websocket_client_key(a));
  CHECK(is_valid_websocket_client_key(b));
  CHECK(a != b);
  CHECK(websocket_accept_key(a).size() == 28);
}

TEST_CASE("websocket handshake: a client key must be the base64 of exactly 16 bytes") {
  CHECK(is_valid_websocket_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
  CHECK(is_valid_websocket_client_key("AAAAAAAAAAAAAAAAAAAAAA=="));
  CHECK(is_valid_websocket_client_key("+/+/+/+/+/+/+/+/+/+/+w=="));
  CHECK_FALSE(is_valid_websocket_client_key(""));
  CHECK_FALSE(is_valid_websocket_client_key("dGhlIHNhbXBsZSBub25jZQ="));    // 23 characters
  CHECK_FALSE(is_valid_websocket_client_key("dGhlIHNhbXBsZSBub25jZQ==="));  // 25
  CHECK_FALSE(is_valid_websocket_client_key("dGhlIHNhbXBsZSBub25jZQAA"));   // no padding
  CHECK_FALSE(is_valid_websocket_client_key("dGhlIHNhbXBsZSBub25jZ==="));   // 15 bytes
  CHECK_FALSE(is_valid_websocket_client_key("dGhlIHNhbXBsZSBub25jZR=="));   // bits left over
  CHECK_FALSE(is_valid_websocket_client_key("dGhlIHNhbXBsZSBub25j-Q=="));   // not base64
  CHECK_FALSE(is_valid_websocket_client_key(" GhlIHNhbXBsZSBub25jZQ=="));
  CHECK_FALSE(is_valid_websocket_client_key(std::string_view("dGhlIHNhbXBsZSBub25jZQ=\0", 24)));
}
