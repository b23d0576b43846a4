// client: an HTTP/1.1 client over green sockets, with a keep-alive connection pool per origin,
// like eventlet's green http client: a request blocks only the calling greenthread.
//
//   http::client c;                                      // options: client_options
//   auto page = c.get("https://example.com/");           // the whole body, up to max_body
//   page.status;  page.body;
//
//   http::client_response r = c.request("PUT", "http://127.0.0.1:8080/f", {}, data);
//   while (!(piece = r.read(64 * 1024)).empty()) ...;    // the body as it comes
//
// Requests. The client writes the request line, Host (unless the caller's headers have one),
// User-Agent (client_options::user_agent, unless they have one), and the body's framing:
// Content-Length for a string body (also "Content-Length: 0" for POST, PUT and PATCH without
// one), Transfer-Encoding: chunked for a body_source. Names and values were checked when the
// headers were made (headers::add()); Content-Length and Transfer-Encoding there are refused,
// as is CONNECT. Each request waits for its response's head; 1xx interim responses (100
// Continue, 103 Early Hints) are read and skipped.
//
// Connections. One is made per request unless the pool holds an idle one to the same origin
// (scheme, host, port). Host names are looked up with green::resolve() (on the native thread
// pool: DNS never blocks the hub), IP literals are used as they are, and each address found
// is tried in order. https verifies the server's certificate and its host name, which also
// goes as SNI, with client_options::tls (by default tls_context::client(): the system's trust
// store). A connection goes back to the pool once its response's body has been read whole,
// if neither side said "Connection: close" and nothing followed the response; a pooled
// connection the server has closed meanwhile is dropped when next taken. If a pooled
// connection fails before any byte of the response comes (the server closed it just then),
// the request is sent once more on a new connection, only if its method is idempotent (GET,
// HEAD, PUT, DELETE, OPTIONS, TRACE) and its body is not a body_source.
//
// Redirects (301, 302, 303, 307, 308 with a Location) are followed only with
// client_options::follow_redirects, up to max_redirects. 303 becomes a GET without body (HEAD
// stays HEAD); so do 301 and 302 after a POST, as browsers do (RFC 9110 §15.4 allows it);
// other methods keep their method and body. A redirect from https to http is refused; one to
// another origin drops Authorization, Proxy-Authorization, Cookie and the caller's Host. A
// response whose redirect would resend a body_source is returned as it is.
//
// Timeouts, all finite by default (client_options): connect_timeout for the name lookup, the
// TCP connection and the TLS handshake together; head_timeout from the request sent until the
// final response head has come; body_timeout for each wait for the request to go out (each
// 64 KiB of it) or for a byte of the response's body.
//
// Errors:
//   std::invalid_argument  a bad URL, method or header (before anything is sent)
//   green::dns_error       a host name that has no address, or a failed lookup
//   std::system_error      connecting (ECONNREFUSED, ...), sending or receiving failed
//   timeout_error          a timeout above ran out; its message says which
//   green::tls_error       a TLS failure: "certificate verify failed: ..." for an untrusted
//                          certificate or a wrong host name
//   parse_error            a response that breaks HTTP/1.1's rules (status() 502)
//   client_error           the server closed the connection before its response (or body)
//                          ended; a body above max_body; a redirect refused or one too many
// After any of these the connection is closed, never pooled.
//
// A client and its responses are used by the greenthreads of one hub thread; a response may
// outlive its client (its connection is then closed when it is done). A moved-from client or
// response may only be destroyed or assigned to.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "../base/export.hpp"
#include "../green/dns.hpp"
#include "../green/tls_context.hpp"
#include "client_response.hpp"
#include "headers.hpp"
#include "parser.hpp"
#include "url.hpp"

namespace eventlet::http {

namespace detail {
class connection_pool;
struct client_connection;
struct outgoing;
}  // namespace detail

struct client_options {
  double connect_timeout = 10;          // seconds: name lookup, TCP connect and TLS handshake
  double head_timeout = 30;             // seconds: from the request sent to its response's head
  double body_timeout = 30;             // seconds: each wait while sending, or reading a body
  std::size_t max_idle_per_origin = 8;  // idle connections kept to one origin
  std::size_t max_idle = 64;            // idle connections kept in all
  // The TLS settings of https connections; nullopt: tls_context::client(), made at the first
  // https request.
  std::optional<green::tls_context> tls;
  bool follow_redirects = false;
  int max_redirects = 10;               // redirects followed for one request, with follow_redirects
  std::string user_agent = "eventlet";  // "" sends none
  std::size_t max_body = 64 * 1024 * 1024;  // the longest body get() and post() read
  http::limits limits;                      // for response heads and chunked bodies
};

// A response read whole: what get() and post() return.
struct buffered_response {
  int status;
  std::string reason;
  http::headers headers;
  std::string body;
  http::headers trailers;  // of a chunked body
  http::url url;           // the URL that answered, after redirects
};

// body_source: a request body sent as it is made (chunked): each call fills the start of
// `buffer` and returns how many bytes it filled; 0 ends the body.
using body_source = std::function<std::size_t(std::span<char> buffer)>;

class EVENTLET_API client {
 public:
  // client() makes a client with `options`. Throws std::invalid_argument for a timeout that
  // is not positive and finite, or a negative max_redirects.
  explicit client(client_options options = {});
  client(client&&) noexcept;
  client& operator=(client&&) noexcept;
  // ~client() closes the idle connections.
  ~client();

  // request() sends `method` for `url` with `fields` and `body`, and returns the response
  // once its head has come; read its body from it. Throws as the header comment says.
  client_response request(std::string_view method, std::string_view url, const headers& fields = {},
                          std::string_view body = {});
  client_response request(std::string_view method, const http::url& u, const headers& fields = {},
                          std::string_view body = {});
  // request() with a body_source sends its body chunked.
  client_response request(std::string_view method, const http::url& u, const headers& fields,
                          const body_source& body);

  // get() sends GET for `url` and reads the whole body. Throws as request() does, and
  // client_error for a body above client_options::max_body.
  buffered_response get(std::string_view url, const headers& fields = {});
  // post() sends POST for `url` with `body` of `content_type` and reads the whole response.
  // Throws as get() does.
  buffered_response post(std::string_view url, std::string_view body, std::string_view content_type,
                         const headers& fields = {});

  // idle_connections() is how many idle connections the pool keeps, to `o` or in all.
  std::size_t idle_connections() const noexcept;
  std::size_t idle_connections(const origin& o) const noexcept;
  // close_idle() closes the idle connections.
  void close_idle() noexcept;
  // options() is what the client was made with (tls is set once the first https request has
  // made the default context).
  const client_options& options() const noexcept { return options_; }

 private:
  client_response follow(std::string_view method, const http::url& u, const headers& fields,
                         std::string_view body, const body_source* source);
  client_response exchange(const detail::outgoing& o);
  std::unique_ptr<detail::client_connection> connect(const http::url& u);
  const green::tls_context& tls();
  buffered_response read_whole(client_response r);

  client_options options_;
  std::shared_ptr<detail::connection_pool> pool_;
};

}  // namespace eventlet::http
