// Network convenience functions, like eventlet.listen, eventlet.connect and eventlet.serve:
//
//   auto server = green::listen({"127.0.0.1", 8080});
//   green::serve(server, [](green::socket conn, green::address peer) {
//     green::stream s(conn);
//     s.write(s.readline());  // one greenthread per connection
//     s.flush();
//   });
//
// connect() also takes a host name and a port: it resolves the name with green::resolve()
// (dns.hpp) and tries the addresses as RFC 8305 (Happy Eyeballs) says; listen() and serve()
// take numeric addresses.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../base/export.hpp"
#include "address.hpp"
#include "socket.hpp"

namespace eventlet::green {

// stop_serve, thrown by a serve() handler, makes serve() return.
class EVENTLET_API stop_serve : public std::exception {
 public:
  const char* what() const noexcept override { return "stop_serve"; }
};

// listen() makes a stream socket bound to `local` (with SO_REUSEADDR, and SO_REUSEPORT if
// asked) and listening with `backlog`. Throws std::system_error (EADDRINUSE, ...).
EVENTLET_API socket listen(const address& local, int backlog = 128, bool reuse_port = false);

// connect() makes a stream socket connected to `remote`, waiting at most `timeout` seconds
// (nullopt: no limit); the socket it returns has no timeout. Throws std::system_error
// (ECONNREFUSED, ...), timeout_error.
EVENTLET_API socket connect(const address& remote, std::optional<double> timeout = std::nullopt);

// connect_any() connects to the first of `candidates` that answers, Happy Eyeballs style
// (RFC 8305): the addresses are taken in their order, but alternating between IPv6 and IPv4
// from the first one's family on; each attempt starts 250 ms after the one before, or at once
// when the one before fails; the first connection made wins and the attempts still under way
// are abandoned and their sockets closed. All within `timeout` seconds (nullopt: no limit);
// the socket it returns has no timeout. Throws std::invalid_argument for no candidate,
// timeout_error, and when every attempt fails, what the last one to fail threw
// (std::system_error: ECONNREFUSED, ENETUNREACH, ...).
EVENTLET_API socket connect_any(const std::vector<address>& candidates,
                                std::optional<double> timeout = std::nullopt);

namespace detail {
EVENTLET_API socket connect_host(std::string_view host, int port, std::optional<double> timeout);
}  // namespace detail

// connect() resolves `host` (a name or a numeric address) with green::resolve() and connects
// to `port` at one of its addresses as connect_any() does, within `timeout` seconds in all,
// lookup included. Throws dns_error, and what resolve() and connect_any() throw. (A template
// only so that connect({"10.0.0.1", 80}, 5), an address, never means a host name.)
template <typename Host>
requires std::is_convertible_v<const Host&, std::string_view> socket
connect(const Host& host, int port, std::optional<double> timeout = std::nullopt) {
  return detail::connect_host(host, port, timeout);
}

// What serve() calls for each connection, in a greenthread of its own.
using connection_handler = std::function<void(socket connection, address peer)>;

// serve() accepts connections on `listener` and runs `handler` for each in a new greenthread,
// at most `concurrency` at once (it waits to accept while that many run), until a handler
// throws stop_serve: serve() then returns, and handlers still running go on. Other exceptions
// from handlers are reported through the hub's exception handler; serving goes on. Running
// out of fds (EMFILE, ENFILE) pauses accepting until fds are freed, without spinning. Throws
// std::invalid_argument for an empty handler or a concurrency of 0, and what accept() throws
// otherwise (std::system_error: EBADF if the listener is closed meanwhile).
EVENTLET_API void serve(socket& listener, connection_handler handler,
                        std::size_t concurrency = 1000);

}  // namespace eventlet::green
