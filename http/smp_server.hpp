// http::smp_server: the HTTP server on several threads, each with its own hub, its own
// SO_REUSEPORT listener and its own http::server, so that the kernel spreads the connections
// over the cores (smp/listener_threads.hpp). A handler runs on the thread that accepted its
// connection; what handlers share across threads needs the cross-thread tools (smp::channel,
// smp::run_on, a mutex held across no switch).
//
//   http::smp_server s({"0.0.0.0", 8080}, handler, {}, /*threads=*/4);
//   green::wait_signal({SIGINT, SIGTERM});
//   s.stop(5);   // stops accepting; up to 5 s for the requests in flight
#pragma once

#include <cstddef>

#include "../base/export.hpp"
#include "../green/address.hpp"
#include "../smp/listener_threads.hpp"
#include "server.hpp"

namespace eventlet::http {

class EVENTLET_API smp_server {
 public:
  // smp_server() starts `threads` threads (0: one per core), each serving its own listener on
  // `local` (port 0: the kernel picks one port for all) with `h`, as `options` say (each
  // thread's server has max_connections of its own). Returns once every thread listens.
  // Throws std::invalid_argument as server() does and for a negative thread count or a
  // backlog < 1; std::system_error if a listener cannot be made, in which case no thread is
  // left running.
  smp_server(const green::address& local, handler h, server_options options = {}, int threads = 0,
             int backlog = 1024);

  // ~smp_server() stops it with no grace (as server::shutdown(0) does on each thread) and
  // joins its threads.
  ~smp_server() = default;
  smp_server(const smp_server&) = delete;
  smp_server& operator=(const smp_server&) = delete;

  // address() is the address the listeners are bound to (with the port the kernel chose).
  const green::address& address() const noexcept { return threads_.address(); }

  // threads() is the number of threads serving.
  std::size_t threads() const noexcept { return threads_.size(); }

  // stop() has every thread's server shut down as server::shutdown(grace) does (stop
  // accepting, close idle connections, up to `grace` seconds for requests in flight) and
  // returns once every thread has ended (greenly on a hub thread). From any thread but the
  // server's own. Throws std::invalid_argument for a negative or NaN grace, and what a
  // thread's server::serve() threw.
  void stop(double grace = 0) { threads_.stop(grace); }

  // wait() waits until the server has stopped, as stop() waits. Throws as stop() does.
  void wait() { threads_.wait(); }

 private:
  smp::listener_threads threads_;
};

// serve() serves HTTP on `threads` threads as an smp_server does, until the calling
// greenthread is killed (the servers are then stopped with no grace). Throws as smp_server()
// and wait() do.
EVENTLET_API void serve(const green::address& local, handler h, server_options options,
                        int threads);

}  // namespace eventlet::http
