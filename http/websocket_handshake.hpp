// websocket_handshake: the keys of the opening handshake (RFC 6455 §4), as pure functions.
//
//   client:  key = http::websocket_random_client_key();         // Sec-WebSocket-Key: key
//            ... check Sec-WebSocket-Accept == http::websocket_accept_key(key)
//   server:  if (!http::is_valid_websocket_client_key(key)) reply 400;
//            ... Sec-WebSocket-Accept: http::websocket_accept_key(key)
#pragma once

#include <string>
#include <string_view>

#include "../base/export.hpp"

namespace eventlet::http {

// websocket_accept_key() returns the Sec-WebSocket-Accept value for the Sec-WebSocket-Key
// `client_key`: the base64 of the SHA-1 of the key followed by RFC 6455's GUID (28 characters).
// It does not check the key (is_valid_websocket_client_key() does). Throws std::runtime_error if
// OpenSSL's SHA-1 fails.
EVENTLET_API std::string websocket_accept_key(std::string_view client_key);

// websocket_random_client_key() returns a new Sec-WebSocket-Key: the base64 of 16 bytes from
// OpenSSL's random generator (24 characters). Throws std::runtime_error if the generator fails.
EVENTLET_API std::string websocket_random_client_key();

// is_valid_websocket_client_key() returns true if `key` is the canonical base64 of exactly 16
// bytes: 22 characters of the base64 alphabet, the last of them with its 4 unused bits zero,
// then "==" (no white space: the HTTP parser strips what surrounds a field value). Throws
// nothing.
EVENTLET_API bool is_valid_websocket_client_key(std::string_view key) noexcept;

}  // namespace eventlet::http
