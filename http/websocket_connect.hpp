// websocket_connect: the client's side of the WebSocket opening handshake (RFC 6455 §4.1):
// connect to a ws:// or wss:// URL and get the client's end of a WebSocket.
//
//   http::websocket ws = http::connect_websocket("wss://example.com/chat",
//                                                {.subprotocols = {"chat"}});
//   ws.send_text("hello");
//   std::optional<http::websocket_message> reply = ws.receive();
//   ws.close();
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../base/export.hpp"
#include "../green/tls_context.hpp"
#include "headers.hpp"
#include "websocket.hpp"

namespace eventlet::http {

struct websocket_connect_options {
  // The TLS settings of a wss:// connection; nullopt: one made by tls_context::client() for
  // each connection (the system's trust store, the server's name checked), which takes tens
  // of milliseconds: pass one to share it.
  std::optional<green::tls_context> tls;
  // Fields added to the request (Origin, Authorization, Cookie, ...); none of those the
  // handshake sets itself (Host, Upgrade, Connection, Sec-WebSocket-*, Content-Length,
  // Transfer-Encoding).
  headers extra_headers;
  // The subprotocols offered, in order of preference; the server picks one or none.
  std::vector<std::string> subprotocols;
  // Seconds for the whole handshake: the name lookup, the connection, TLS, the request and the
  // response.
  double timeout = 30;
  websocket_options websocket;  // for the connection
};

// connect_websocket() connects to `url` (ws://host[:port]/path?query, or wss:// over TLS;
// the host is looked up and its addresses tried in turn), sends the opening handshake's GET
// request and reads the response, which must be a 101 with Upgrade: websocket,
// Connection: upgrade, the Sec-WebSocket-Accept that the key sent asks for, no extension, and
// no subprotocol or one that was offered. Returns the client's end of the WebSocket, which
// starts with the bytes that came after the response's head. Throws std::invalid_argument for
// a URL that is not ws:// or wss:// (or has a fragment, or that url::parse() refuses), an
// extra header the handshake sets, a subprotocol that is not a token, a timeout that is not
// > 0 and finite; websocket_handshake_error when the server refuses or answers wrongly;
// parse_error for a response that is not HTTP/1.1; timeout_error; green::dns_error,
// std::system_error, green::tls_error.
EVENTLET_API websocket connect_websocket(std::string_view url,
                                         const websocket_connect_options& options = {});

}  // namespace eventlet::http
