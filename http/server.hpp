// The HTTP/1.1 server, eventlet.wsgi.server's analog: a greenthread per connection, and a
// handler written as plain blocking code.
//
//   auto listener = green::listen({"0.0.0.0", 8080});
//   http::serve(listener, [](http::request& req, http::response& res) {
//     if (req.path() == "/upload") {
//       std::string body = req.read_all();    // 413 above options.max_body
//       res.send("got " + std::to_string(body.size()) + " bytes\n");
//       return;
//     }
//     res.headers().set("Content-Type", "text/plain");
//     res.send("hello\n");                    // head and body in one sendmsg
//   });
//
// Each connection runs in a greenthread of its own: it reads a request head (strictly:
// parser.hpp), calls the handler with a request (request.hpp) and a response (response.hpp),
// finishes the response the handler left open, and reads the next request while the
// connection is kept alive. Pipelined requests are parsed from bytes already received.
//
// What a client cannot do: make a greenthread wait longer than the timeouts below; send a head
// above parser limits (431, 414), a malformed one (400, 501, 505: answered with a short body
// and "Connection: close", then closed); make read_all() hold more than max_body bytes (413);
// keep a connection for more than max_requests requests. An exception from the handler is
// logged through eventlet's log hook (base/log.hpp) and answered with a bare 500 if the
// response head was not sent yet, else the connection is closed; the response never shows it.
// I/O errors on the connection (the client went away) end it quietly.
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "../base/export.hpp"
#include "../base/pool_listing.hpp"
#include "../coros/event.hpp"
#include "../coros/greenthread.hpp"
#include "../coros/semaphore.hpp"
#include "../green/socket.hpp"
#include "../green/tls.hpp"
#include "access_log.hpp"
#include "parser.hpp"
#include "request.hpp"
#include "response.hpp"

namespace eventlet::http {

namespace detail {
class connection;
}

// What a server calls for each request, in the connection's greenthread.
using handler = std::function<void(request& req, response& res)>;

struct server_options {
  // Connections served at once (eventlet.wsgi's max_size): the server stops accepting while
  // that many are open.
  std::size_t max_connections = 1024;
  // Seconds for the whole head of a request to come, counted from its first byte (for the
  // first request of a connection, from the accept, TLS handshake included): slowloris.
  double header_timeout = 10;
  // Seconds a kept-alive connection may wait for the first byte of its next request. (Waits
  // for a first byte are ended by a sweep that comes every eighth of the smaller of
  // header_timeout and idle_timeout, at most every second: they may last that much longer.)
  double idle_timeout = 60;
  // Seconds each read of a request body may wait for bytes.
  double body_timeout = 60;
  // Seconds each send of the response (each write(), send(), send_file()) may take.
  double send_timeout = 60;
  // Requests on one connection; the last one is answered with "Connection: close".
  std::size_t max_requests = 1000;
  // Whether connections are kept alive after a response, when the client allows it.
  bool keep_alive = true;
  // The bounds on request heads and chunked bodies (parser.hpp).
  limits head_limits;
  // What request::read_all() reads at most when not told: 413 above it.
  std::size_t max_body = 1024 * 1024;
  // Bytes of a request body the handler left unread that are read and dropped to keep the
  // connection alive; with more left, the connection is closed instead.
  std::size_t drain_limit = 64 * 1024;
  // Called once each request is answered (access_log.hpp); empty: no access log.
  std::function<void(const access_entry&)> access_log;
};

// server: the object form of serve(), which another greenthread can shut down.
//
//   http::server s(listener, handler);
//   auto serving = eventlet::spawn([&] { s.serve(); });
//   ...
//   s.shutdown(5);  // stop accepting; up to 5 s for the requests in flight
class EVENTLET_API server {
 public:
  // server() serves `listener` (which must outlive it) with `h`, as `options` say. Throws
  // std::invalid_argument for an empty handler, a max_connections or max_requests of 0, or a
  // timeout that is not a finite number > 0.
  server(green::socket& listener, handler h, server_options options = {});
  server(green::tls_listener& listener, handler h, server_options options = {});
  // ~server() kills the greenthreads of the connections still open and returns once they have
  // finished. No greenthread may be in serve() or shutdown() then.
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // serve() accepts connections and serves each in a greenthread of its own until shutdown(),
  // and returns when shutdown() has finished. Running out of fds (EMFILE, ENFILE) pauses
  // accepting for a while; connections that fail before accept returns them are skipped.
  // Throws std::logic_error when called a second time, and what accepting throws otherwise
  // (std::system_error: EBADF when the listener was closed); the connections already open go
  // on then, until shutdown() or the destructor.
  void serve();

  // shutdown() stops accepting, closes the connections waiting for a request at once, lets
  // those in the middle of one finish it (their response says "Connection: close") for up to
  // `grace` seconds, kills the greenthreads of any left, and returns once none is left.
  // Callable from any greenthread of the thread, before, during or after serve(); from a
  // handler, it does not wait for that handler's own connection, which ends after its
  // response. A connection handed over by response::hijack() still counts: its handler runs
  // in the connection's greenthread. Throws std::invalid_argument for a NaN or negative grace.
  void shutdown(double grace);

  // connections() is the number of connections open (greenthreads running).
  std::size_t connections() const noexcept { return live_; }

  // listing() is how the server shows among the thread's pools (base/pool_listing.hpp), with
  // its connections, max_connections and stopping figures: name it there.
  pool_listing& listing() noexcept { return listing_; }

 private:
  struct stop_accepting {};
  struct open_connection {
    std::unique_ptr<detail::connection> conn;
    std::optional<greenthread<void>> thread;
  };
  using listener_ref = std::variant<green::socket*, green::tls_listener*>;

  server(listener_ref listener, handler h, server_options options);
  void accept_loop();
  void start(transport t, green::address peer);
  void finished(std::list<open_connection>::iterator it) noexcept;
  // sweep() ends the connections idle past their time, and comes again while any is open.
  void sweep() noexcept;
  // kill_where() kills the greenthreads of the connections for which which(c) holds, but
  // the one running `spare`, and returns once they have finished.
  template <typename Which>
  void kill_where(Which which, greenlet* spare) noexcept;

  listener_ref listener_;
  handler handler_;
  server_options options_;
  semaphore slots_;
  std::list<open_connection> open_;
  std::vector<std::unique_ptr<detail::connection>> spare_;  // ended, kept for reuse
  std::size_t live_ = 0;
  bool served_ = false;           // serve() was called
  bool stopping_ = false;         // shutdown() was called
  greenlet* acceptor_ = nullptr;  // the greenlet in serve()'s accept loop
  hubs::timer interrupt_;         // throws stop_accepting into it
  hubs::timer sweeping_;          // the next sweep()
  double sweep_period_;
  std::optional<event<void>> drained_;  // sent when a connection ends, while shutdown() waits
  event<void> stopped_;                 // sent when shutdown() has finished
  pool_listing listing_{"http::server", [this] {
                          return stats_list{{"connections", live_},
                                            {"max_connections", options_.max_connections},
                                            {"stopping", stopping_}};
                        }};
};

// serve() serves `listener` with `h` for ever, as server::serve() does (until the calling
// greenthread is killed: the connections' greenthreads are then killed too). Throws as the
// server's constructor and server::serve() do.
EVENTLET_API void serve(green::socket& listener, handler h, server_options options = {});
EVENTLET_API void serve(green::tls_listener& listener, handler h, server_options options = {});

}  // namespace eventlet::http
