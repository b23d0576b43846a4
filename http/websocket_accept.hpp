// websocket_accept: the server's side of the WebSocket opening handshake (RFC 6455 §4.2), on a
// connection whose request head has been read, whatever server read it.
//
//   http::request_parser p;  // ... p.parse(buffer) read the head; the rest of buffer follows it
//   if (http::is_websocket_upgrade(p.head())) {
//     http::websocket ws = http::accept_websocket(p.head(), std::move(conn),
//                                                 buffer.substr(head_size), {.subprotocols =
//                                                 {"chat"}});
//     while (auto m = ws.receive()) ...
//   }
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "../base/export.hpp"
#include "message.hpp"
#include "request.hpp"
#include "response.hpp"
#include "transport.hpp"
#include "websocket.hpp"

namespace eventlet::http {

struct websocket_accept_options {
  // The subprotocols this server speaks, in its order of preference: the first the client
  // offers is chosen (none if it offers none of them).
  std::vector<std::string> subprotocols;
  websocket_options websocket;  // for the connection
};

// is_websocket_upgrade() tells whether `head` asks for a WebSocket: a GET with the token
// "websocket" in Upgrade and "upgrade" in Connection (the other rules are checked by
// accept_websocket()). Throws nothing.
EVENTLET_API bool is_websocket_upgrade(const request_head& head) noexcept;

// accept_websocket() checks that `head` is a WebSocket opening handshake — GET, HTTP/1.1, no
// body, Upgrade: websocket, Connection: upgrade, one Sec-WebSocket-Version: 13, one valid
// Sec-WebSocket-Key — sends the 101 response over `connection` (with the chosen subprotocol)
// and returns the server's end of the WebSocket, which starts with `already_read` (the bytes
// received after the head). Extensions the client offers are declined. A request that breaks
// a rule is answered with 400, or 426 with Sec-WebSocket-Version: 13 (no Upgrade: websocket,
// another version), the connection closed, and websocket_handshake_error thrown with that
// status. Throws also what the transport throws while sending the 101 (the connection is
// closed), std::invalid_argument for a subprotocol of `options` that is not a token.
EVENTLET_API websocket accept_websocket(const request_head& head, transport connection,
                                        std::string_view already_read = {},
                                        const websocket_accept_options& options = {});

// accept_websocket() in a server handler (server.hpp): accept_websocket() above on the
// request's head and the connection response::hijack() takes from the server, with the bytes
// the server read past the head. The server then has no say over the connection, which the
// websocket closes; it still counts toward max_connections until the handler returns. Throws
// std::logic_error if the response's head was sent already, and as above.
//
//   http::serve(listener, [](http::request& req, http::response& res) {
//     if (req.path() == "/echo" && http::is_websocket_upgrade(req.head())) {
//       http::websocket ws = http::accept_websocket(req, res);
//       while (auto m = ws.receive()) ws.send_text(m->data);
//     }
//   });
EVENTLET_API websocket accept_websocket(request& req, response& res,
                                        const websocket_accept_options& options = {});

}  // namespace eventlet::http
