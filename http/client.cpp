#include "client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "../base/errors.hpp"
#include "../coros/timeout.hpp"
#include "../green/dns.hpp"
#include "../green/net.hpp"
#include "../green/tls.hpp"
#include "../hubs/hub.hpp"
#include "../tpool/tpool.hpp"
#include "detail/body_reader.hpp"
#include "detail/client_connection.hpp"
#include "detail/connection_pool.hpp"
#include "detail/syntax.hpp"

namespace eventlet::http {

// A request as one exchange sends it.
struct detail::outgoing {
  std::string_view method;
  const http::url& u;
  const headers& fields;
  std::string_view body;
  const body_source* source;  // the body, chunked, if not null
};

namespace {

using detail::client_connection;

constexpr std::size_t slice = 64 * 1024;  // the most of a string body one sendall() sends

std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", s);
  return text;
}

bool idempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE" || m == "OPTIONS" || m == "TRACE";
}

bool is_ip_literal(const std::string& host) {
  unsigned char bytes[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), bytes) == 1 ||
         inet_pton(AF_INET6, host.c_str(), bytes) == 1;
}

// A failure of a pooled connection that only says the server closed it before this request.
bool is_closed_by_peer(int error) {
  return error == EPIPE || error == ECONNRESET || error == ECONNABORTED;
}

void check_request(std::string_view method, const headers& fields) {
  if (!detail::is_token(method))
    throw std::invalid_argument("http::client: the method \"" + std::string(method) +
                                "\" is not a token");
  if (method == "CONNECT") throw std::invalid_argument("http::client: CONNECT is not supported");
  for (const char* name : {"Content-Length", "Transfer-Encoding"})
    if (fields.contains(name))
      throw std::invalid_argument(std::string("http::client: ") + name +
                                  " is the client's to write, from the body");
}

void check_option(double value, const char* name) {
  if (!(value > 0) || !std::isfinite(value))
    throw std::invalid_argument(std::string("http::client_options: ") + name +
                                " must be positive and finite");
}

std::string head_of(const detail::outgoing& o, const std::string& user_agent) {
  std::string h;
  h.reserve(256);
  h.append(o.method).append(" ").append(o.u.target()).append(" HTTP/1.1\r\n");
  if (!o.fields.contains("Host")) h.append("Host: ").append(o.u.host_header()).append("\r\n");
  if (!user_agent.empty() && !o.fields.contains("User-Agent"))
    h.append("User-Agent: ").append(user_agent).append("\r\n");
  o.fields.append_to(h);
  if (o.source)
    h.append("Transfer-Encoding: chunked\r\n");
  else if (!o.body.empty() || o.method == "POST" || o.method == "PUT" || o.method == "PATCH")
    h.append("Content-Length: ").append(std::to_string(o.body.size())).append("\r\n");
  h.append("\r\n");
  return h;
}

// Sends the request: a string body in slices, each sent within `timeout`; a body_source's
// body in chunks, as it fills them.
void send_request(client_connection& c, std::string_view head, const detail::outgoing& o,
                  double timeout) {
  c.link.set_timeout(timeout);
  if (!o.source) {
    std::string_view body = o.body;
    const std::array<std::string_view, 2> first{head, body.substr(0, slice)};
    c.link.sendall(first);
    for (body.remove_prefix(first[1].size()); !body.empty();) {
      const std::string_view piece = body.substr(0, slice);
      c.link.sendall(piece);
      body.remove_prefix(piece.size());
    }
    return;
  }
  std::string buffer(16 * 1024, '\0');
  std::array<std::string_view, 4> pieces{head};
  std::size_t at = 0;  // where the pieces of the next sendall() start: after the head once sent
  while (true) {
    const std::size_t n = (*o.source)({buffer.data(), buffer.size()});
    if (n > buffer.size())
      throw std::invalid_argument(
          "http::client: a body_source said it filled more than its buffer");
    char size_line[24];
    const int size_length = std::snprintf(size_line, sizeof size_line, "%zx\r\n", n);
    pieces[1] = std::string_view(size_line, std::size_t(size_length));
    pieces[2] = std::string_view(buffer.data(), n);
    pieces[3] = "\r\n";  // after the data, or ending the empty trailer section
    c.link.sendall(std::span(pieces).subspan(at));
    if (n == 0) return;
    at = 1;
  }
}

// Reads the final response head (skipping 1xx ones) within `timeout`; nullopt if the
// connection ends (closed, reset) before any byte of a response came. `origin` is for messages.
std::optional<response_head> read_head(client_connection& c, std::string_view method,
                                       const client_options& options, const std::string& origin) {
  response_parser parser(options.limits);
  const double deadline = hubs::hub::clock() + options.head_timeout;
  bool received = false;
  while (true) {
    const std::size_t size = parser.parse(c.unread(), method);
    if (size == 0) {
      const double left = deadline - hubs::hub::clock();
      std::size_t n = 0;
      try {
        if (left <= 0) throw timeout_error();
        c.link.set_timeout(left);
        n = c.receive();
      } catch (const timeout_error& e) {
        if (e.source() != 0) throw;  // a caller's eventlet::timeout
        throw timeout_error("http: no response head from " + origin + " came within " +
                            seconds(options.head_timeout));
      } catch (const green::tls_eof_error&) {
        if (received) throw;
        return std::nullopt;
      } catch (const std::system_error& e) {
        if (received || !is_closed_by_peer(e.code().value())) throw;
        return std::nullopt;
      }
      if (n == 0 && !received) return std::nullopt;
      if (n == 0)
        throw client_error("http: " + origin + " closed the connection within a response head");
      received = true;
      continue;
    }
    c.start += size;
    const int status = parser.head().status;
    if (status == 101)
      throw parse_error(502, "a 101 (Switching Protocols) response to a request for no upgrade");
    if (status >= 200) return std::move(parser.head());
    parser.reset();
  }
}

}  // namespace

client::client(client_options options)
    : options_(std::move(options)),
      pool_(std::make_shared<detail::connection_pool>(options_.max_idle_per_origin,
                                                      options_.max_idle)) {
  check_option(options_.connect_timeout, "connect_timeout");
  check_option(options_.head_timeout, "head_timeout");
  check_option(options_.body_timeout, "body_timeout");
  if (options_.max_redirects < 0)
    throw std::invalid_argument("http::client_options: max_redirects must not be negative");
}

client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;
client::~client() = default;

std::size_t client::idle_connections() const noexcept { return pool_->size(); }

std::size_t client::idle_connections(const origin& o) const noexcept { return pool_->size(o); }

void client::close_idle() noexcept { pool_->clear(); }

const green::tls_context& client::tls() {
  // Reading the system's trust store takes tens of milliseconds: on the native thread pool.
  if (!options_.tls) options_.tls = tpool::execute([] { return green::tls_context::client(); });
  return *options_.tls;
}

std::unique_ptr<client_connection> client::connect(const http::url& u) {
  const std::string where = u.origin().to_string();
  const double deadline = hubs::hub::clock() + options_.connect_timeout;
  const auto left = [&] {
    const double l = deadline - hubs::hub::clock();
    if (l <= 0) throw timeout_error();
    return l;
  };
  std::exception_ptr failure;
  std::uint64_t lookup_id = 0;
  try {
    std::vector<green::address> addresses;
    if (is_ip_literal(u.host())) {
      addresses.emplace_back(u.host(), u.port());
    } else {
      eventlet::timeout lookup(left());
      lookup_id = lookup.id();
      addresses = green::resolve(u.host(), u.port());
    }
    for (const green::address& a : addresses) {
      try {
        green::socket s = green::connect(a, left());
        s.set_nodelay(true);
        auto c = std::make_unique<client_connection>();
        c->origin = u.origin();
        if (u.scheme() == "https") {
          green::tls_socket t = green::wrap_tls(std::move(s), tls(), u.host());
          t.set_timeout(left());
          t.handshake();
          c->link = transport(std::move(t));
        } else {
          c->link = transport(std::move(s));
        }
        return c;
      } catch (const std::system_error& e) {  // the next address may answer
        failure = std::make_exception_ptr(
            std::system_error(e.code(), "http: connecting to " + a.to_string() + " for " + where));
      }
    }
  } catch (const timeout_error& e) {
    if (e.source() != 0 && e.source() != lookup_id) throw;  // a caller's eventlet::timeout
    throw timeout_error("http: connecting to " + where + " took more than " +
                        seconds(options_.connect_timeout));
  }
  if (!failure) os::throw_error(EADDRNOTAVAIL, "http: no address for " + u.host());
  std::rethrow_exception(failure);
}

client_response client::exchange(const detail::outgoing& o) {
  const std::string head = head_of(o, options_.user_agent);
  const std::string where = o.u.origin().to_string();
  const bool replayable = idempotent(o.method) && !o.source;
  for (bool retry = false;; retry = true) {
    std::unique_ptr<client_connection> c = retry ? nullptr : pool_->take(o.u.origin());
    if (!c) c = connect(o.u);
    bool sent = true;
    try {
      send_request(*c, head, o, options_.body_timeout);
    } catch (const timeout_error& e) {
      if (e.source() != 0) throw;  // a caller's eventlet::timeout
      throw timeout_error("http: sending the request to " + where + " stalled for " +
                          seconds(options_.body_timeout));
    } catch (const green::tls_eof_error&) {
      sent = false;
    } catch (const std::system_error& e) {
      if (!is_closed_by_peer(e.code().value())) throw;
      sent = false;
    }
    // A server that closed the connection as the request went may still have answered.
    std::optional<response_head> h = read_head(*c, o.method, options_, where);
    if (h) {
      const bool keep_alive = sent && h->keep_alive && !o.fields.has_token("Connection", "close");
      auto body = std::make_unique<detail::body_reader>(std::move(c), pool_, *h, keep_alive,
                                                        options_.body_timeout, options_.limits);
      return client_response(std::move(*h), o.u, std::move(body));
    }
    if (c->reused && replayable && !retry) continue;  // closed while idle: once more, anew
    throw client_error("http: " + where + " closed the connection before responding" +
                       (c->reused ? " (a kept-alive connection)" : ""));
  }
}

client_response client::request(std::string_view method, std::string_view url,
                                const headers& fields, std::string_view body) {
  return request(method, http::url::parse(url), fields, body);
}

client_response client::request(std::string_view method, const http::url& u, const headers& fields,
                                std::string_view body) {
  return follow(method, u, fields, body, nullptr);
}

client_response client::request(std::string_view method, const http::url& u, const headers& fields,
                                const body_source& body) {
  if (!body) throw std::invalid_argument("http::client: an empty body_source");
  return follow(method, u, fields, {}, &body);
}

client_response client::follow(std::string_view method, const http::url& first,
                               const headers& fields, std::string_view body,
                               const body_source* source) {
  check_request(method, fields);
  std::string m(method);
  http::url u = first;
  std::optional<headers> changed;  // the fields once a redirect changed them
  for (int redirects = 0;; ++redirects) {
    client_response r = exchange({m, u, changed ? *changed : fields, body, source});
    const int s = r.status();
    const std::optional<std::string_view> location = r.headers().get("Location");
    if (!options_.follow_redirects || !location ||
        (s != 301 && s != 302 && s != 303 && s != 307 && s != 308))
      return r;
    const bool to_get = (s == 303 && m != "HEAD") || ((s == 301 || s == 302) && m == "POST");
    if (source && !to_get) return r;  // its body cannot be sent again
    if (redirects == options_.max_redirects)
      throw client_error("http: more than " + std::to_string(options_.max_redirects) +
                         " redirects from " + first.to_string());
    std::optional<http::url> next;
    try {
      next = u.resolve(*location);
    } catch (const std::invalid_argument& e) {
      throw client_error("http: a redirect from " + u.to_string() +
                         " to a bad Location: " + e.what());
    }
    if (u.scheme() == "https" && next->scheme() == "http")
      throw client_error("http: refused the redirect from " + u.to_string() + " to " +
                         next->to_string() + " (https to http)");
    r.close();  // kept if its body has come whole, else closed
    const bool other_origin = next->origin() != u.origin();
    if ((to_get || other_origin) && !changed) changed = fields;
    if (to_get) {
      m = "GET";
      body = {};
      source = nullptr;
      for (const char* name :
           {"Content-Type", "Content-Encoding", "Content-Language", "Content-Location"})
        changed->erase(name);
    }
    if (other_origin)
      for (const char* name : {"Authorization", "Proxy-Authorization", "Cookie", "Host"})
        changed->erase(name);
    u = std::move(*next);
  }
}

buffered_response client::read_whole(client_response r) {
  std::string body = r.read_all(options_.max_body);
  return {r.status(),   std::move(r.head_.reason), std::move(r.head_.fields), std::move(body),
          r.trailers(), std::move(r.url_)};
}

buffered_response client::get(std::string_view url, const headers& fields) {
  return read_whole(request("GET", url, fields));
}

buffered_response client::post(std::string_view url, std::string_view body,
                               std::string_view content_type, const headers& fields) {
  headers with_type = fields;
  with_type.set("Content-Type", content_type);
  return read_whole(request("POST", url, with_type, body));
}

}  // namespace eventlet::http
