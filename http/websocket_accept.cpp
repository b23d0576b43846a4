#include "websocket_accept.hpp"

#include <stdexcept>

#include "detail/syntax.hpp"
#include "websocket_handshake.hpp"

namespace eventlet::http {

namespace {

// refuse() answers the handshake with `status` (400 or 426) saying `why`, closes the
// connection and throws websocket_handshake_error.
[[noreturn]] void refuse(transport& connection, int status, const std::string& why) {
  const std::string body = "websocket: " + why + "\n";
  std::string response = status == 426 ? "HTTP/1.1 426 Upgrade Required\r\n"
                                         "Upgrade: websocket\r\n"
                                         "Connection: Upgrade, close\r\n"
                                         "Sec-WebSocket-Version: 13\r\n"
                                       : "HTTP/1.1 400 Bad Request\r\n"
                                         "Connection: close\r\n";
  response +=
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body;
  try {
    connection.sendall(response);
  } catch (const std::exception&) {  // the client is gone: the refusal stands
  }
  connection.close();
  throw websocket_handshake_error(status, "websocket handshake refused: " + why);
}

// choose_subprotocol() returns the first of `ours` that a Sec-WebSocket-Protocol field of
// `head` offers, or "".
std::string choose_subprotocol(const request_head& head, const std::vector<std::string>& ours) {
  const std::vector<std::string_view> offers = head.fields.get_all("Sec-WebSocket-Protocol");
  for (const std::string& p : ours) {
    bool offered = false;
    for (const std::string_view list : offers)
      detail::for_each_element(list, [&](std::string_view e) { offered = offered || e == p; });
    if (offered) return p;
  }
  return {};
}

}  // namespace

bool is_websocket_upgrade(const request_head& head) noexcept {
  return head.method == "GET" && head.fields.has_token("Upgrade", "websocket") &&
         head.fields.has_token("Connection", "upgrade");
}

websocket accept_websocket(const request_head& head, transport connection,
                           std::string_view already_read, const websocket_accept_options& options) {
  for (const std::string& p : options.subprotocols)
    if (!detail::is_token(p))
      throw std::invalid_argument("accept_websocket: subprotocol '" + p + "' is not a token");
  const headers& f = head.fields;
  if (head.method != "GET") refuse(connection, 400, "the method is not GET");
  if (head.minor_version < 1) refuse(connection, 400, "HTTP/1.1 is required");
  if (head.body != body_kind::none && !(head.body == body_kind::length && head.content_length == 0))
    refuse(connection, 400, "the request has a body");
  if (!f.has_token("Upgrade", "websocket"))
    refuse(connection, 426, "no 'Upgrade: websocket' field");
  if (!f.has_token("Connection", "upgrade"))
    refuse(connection, 400, "no 'Connection: upgrade' field");
  if (f.count("Sec-WebSocket-Version") != 1 || *f.get("Sec-WebSocket-Version") != "13")
    refuse(connection, 426, "Sec-WebSocket-Version is not 13");
  const std::optional<std::string_view> key = f.get("Sec-WebSocket-Key");
  if (f.count("Sec-WebSocket-Key") != 1 || !is_valid_websocket_client_key(*key))
    refuse(connection, 400, "no valid Sec-WebSocket-Key");
  std::string subprotocol = choose_subprotocol(head, options.subprotocols);
  std::string response =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      websocket_accept_key(*key) + "\r\n";
  if (!subprotocol.empty()) response += "Sec-WebSocket-Protocol: " + subprotocol + "\r\n";
  response += "\r\n";
  connection.sendall(response);
  return websocket(std::move(connection), websocket_role::server, already_read, options.websocket,
                   std::move(subprotocol));
}

websocket accept_websocket(request& req, response& res, const websocket_accept_options& options) {
  if (res.head_sent())
    throw std::logic_error("accept_websocket: the response's head has been sent already");
  hijacked taken = res.hijack();
  return accept_websocket(req.head(), std::move(taken.connection), taken.buffered, options);
}

}  // namespace eventlet::http
