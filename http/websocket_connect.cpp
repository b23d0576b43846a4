#include "websocket_connect.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <exception>
#include <stdexcept>

#include "../base/errors.hpp"
#include "../coros/timeout.hpp"
#include "../green/dns.hpp"
#include "../green/net.hpp"
#include "../green/tls.hpp"
#include "../tpool/tpool.hpp"
#include "detail/syntax.hpp"
#include "parser.hpp"
#include "url.hpp"
#include "websocket_handshake.hpp"

namespace eventlet::http {

namespace {

// websocket_url() reads a ws:// or wss:// URL as the http:// or https:// URL of the same
// host, port and target (RFC 6455 §3).
url websocket_url(std::string_view text) {
  const std::size_t end = text.find("://");
  const std::string_view scheme = text.substr(0, end);
  const char* http_scheme = iequals(scheme, "ws") ? "http" : iequals(scheme, "wss") ? "https" : "";
  if (end == std::string_view::npos || !*http_scheme)
    throw std::invalid_argument("connect_websocket: '" + std::string(text) +
                                "' is not a ws:// or wss:// URL");
  if (text.find('#') != std::string_view::npos)
    throw std::invalid_argument("connect_websocket: a WebSocket URL may not have a fragment");
  return url::parse(http_scheme + std::string(text.substr(end)));
}

// check() refuses options connect_websocket() cannot follow.
void check(const websocket_connect_options& o) {
  if (!std::isfinite(o.timeout) || o.timeout <= 0)
    throw std::invalid_argument("connect_websocket: the timeout must be > 0 and finite");
  for (const std::string& p : o.subprotocols)
    if (!detail::is_token(p))
      throw std::invalid_argument("connect_websocket: subprotocol '" + p + "' is not a token");
  for (const field f : o.extra_headers) {
    const bool ours = iequals(f.name, "Host") || iequals(f.name, "Upgrade") ||
                      iequals(f.name, "Connection") || iequals(f.name, "Content-Length") ||
                      iequals(f.name, "Transfer-Encoding") ||
                      (f.name.size() > 14 && iequals(f.name.substr(0, 14), "Sec-WebSocket-"));
    if (ours)
      throw std::invalid_argument("connect_websocket: the handshake sets " + std::string(f.name) +
                                  " itself");
  }
}

// open() connects to the first of the host's addresses that answers, and starts TLS for wss.
transport open(const url& u, const websocket_connect_options& o) {
  std::exception_ptr failure;
  for (const green::address& a : green::resolve(u.host(), u.port())) {
    green::socket s;
    try {
      s = green::connect(a);
    } catch (const std::system_error&) {
      failure = std::current_exception();
      continue;
    }
    if (u.scheme() == "http") return transport(std::move(s));
    const green::tls_context context =
        o.tls ? *o.tls : tpool::execute([] { return green::tls_context::client(); });
    green::tls_socket t = green::wrap_tls(std::move(s), context, u.host());
    t.handshake();
    return transport(std::move(t));
  }
  if (!failure) os::throw_error(EADDRNOTAVAIL, "connect_websocket: no address for " + u.host());
  std::rethrow_exception(failure);
}

// request() is the opening handshake's request.
std::string request(const url& u, const std::string& key, const websocket_connect_options& o) {
  std::string r = "GET " + u.target() + " HTTP/1.1\r\nHost: " + u.host_header() +
                  "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
                  "\r\nSec-WebSocket-Version: 13\r\n";
  for (std::size_t i = 0; i < o.subprotocols.size(); ++i)
    r += (i == 0 ? "Sec-WebSocket-Protocol: " : ", ") + o.subprotocols[i] +
         (i + 1 == o.subprotocols.size() ? "\r\n" : "");
  o.extra_headers.append_to(r);
  r += "\r\n";
  return r;
}

// check_response() throws websocket_handshake_error unless `h` accepts the handshake with
// `key`; returns the subprotocol it chose, or "".
std::string check_response(const response_head& h, const std::string& key,
                           const websocket_connect_options& o) {
  auto wrong = [&](const std::string& what) {
    return websocket_handshake_error(h.status, "websocket handshake failed: " + what);
  };
  if (h.status != 101)
    throw wrong("the server answered " + std::to_string(h.status) + " " + h.reason);
  const headers& f = h.fields;
  if (!f.has_token("Upgrade", "websocket")) throw wrong("no 'Upgrade: websocket' field");
  if (!f.has_token("Connection", "upgrade")) throw wrong("no 'Connection: upgrade' field");
  if (f.count("Sec-WebSocket-Accept") != 1 ||
      *f.get("Sec-WebSocket-Accept") != websocket_accept_key(key))
    throw wrong("Sec-WebSocket-Accept does not match the key");
  if (f.contains("Sec-WebSocket-Extensions")) throw wrong("an extension that was not offered");
  if (f.count("Sec-WebSocket-Protocol") > 1) throw wrong("more than one subprotocol");
  const std::string chosen(f.get("Sec-WebSocket-Protocol").value_or(""));
  if (!chosen.empty() &&
      std::find(o.subprotocols.begin(), o.subprotocols.end(), chosen) == o.subprotocols.end())
    throw wrong("subprotocol '" + chosen + "' was not offered");
  return chosen;
}

}  // namespace

websocket connect_websocket(std::string_view url_text, const websocket_connect_options& options) {
  const url u = websocket_url(url_text);
  check(options);
  timeout limit(options.timeout);
  try {
    transport t = open(u, options);
    const std::string key = websocket_random_client_key();
    t.sendall(request(u, key, options));
    response_parser parser;
    std::string received;
    std::size_t head_size = 0;
    std::array<char, 4096> chunk;
    while ((head_size = parser.parse(received, "GET")) == 0) {
      const std::size_t n = t.recv_into(chunk);
      if (n == 0)
        throw websocket_handshake_error(0,
                                        "websocket handshake failed: the server closed the "
                                        "connection before its response");
      received.append(chunk.data(), n);
    }
    std::string subprotocol = check_response(parser.head(), key, options);
    limit.cancel();
    return websocket(std::move(t), websocket_role::client,
                     std::string_view(received).substr(head_size), options.websocket,
                     std::move(subprotocol));
  } catch (const timeout_error& e) {
    if (e.source() != limit.id()) throw;
    throw timeout_error("connect_websocket: no handshake within " +
                        std::to_string(options.timeout) + " s");
  }
}

}  // namespace eventlet::http
