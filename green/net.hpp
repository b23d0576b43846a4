// Network convenience functions, like eventlet.listen, eventlet.connect and eventlet.serve:
//
//   auto server = green::listen({"127.0.0.1", 8080});
//   green::serve(server, [](green::socket conn, green::address peer) {
//     green::stream s(conn);
//     s.write(s.readline());  // one greenthread per connection
//     s.flush();
//   });
//
// Addresses are numeric; look host names up with green::resolve() (dns.hpp) and pass one of
// the addresses it returns.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <optional>

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
