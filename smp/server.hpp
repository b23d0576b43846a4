// smp::server and smp::serve(): one accept loop per thread, each on a listener of its own bound
// to the same address with SO_REUSEPORT, so the kernel spreads the connections over the threads
// (and so over the cores). Each connection is served by a greenthread on the thread that
// accepted it, as green::serve() serves it.
//
//   eventlet::smp::server s({"127.0.0.1", 8080}, echo, {.threads = 4});
//   eventlet::green::wait_signal({SIGINT, SIGTERM});
//   s.stop(/*grace=*/5);   // stops accepting, lets connections finish for 5 s, then kills them
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "../base/export.hpp"
#include "../green/address.hpp"
#include "../green/net.hpp"
#include "listener_threads.hpp"

namespace eventlet::smp {

struct serve_options {
  int threads = 0;                 // 0: one per core (std::thread::hardware_concurrency())
  int backlog = 128;               // each listener's
  std::size_t concurrency = 1000;  // connections served at once, per thread
};

class EVENTLET_API server {
 public:
  // server() starts the threads, binds a listener on `local` in each (port 0: the first
  // thread's listener gets a port from the kernel and the others bind to it too) and serves
  // every connection with `handler` in a greenthread, on the thread that accepted it. A handler
  // that throws green::stop_serve stops the server as stop(0) does, without waiting; other
  // exceptions are reported through that thread's hub. Returns once every thread listens.
  // Throws std::invalid_argument for an empty handler, a negative thread count, a backlog < 1
  // or a concurrency of 0; std::system_error if a listener cannot be made (EADDRINUSE, ...),
  // in which case no thread is left running.
  server(const green::address& local, green::connection_handler handler,
         serve_options options = {});

  // ~server() stops it, with no grace, and joins its threads.
  ~server() = default;
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // address() is the address the listeners are bound to (with the port the kernel chose).
  const green::address& address() const noexcept { return threads_->address(); }

  // threads() is the number of threads serving.
  std::size_t threads() const noexcept { return accepted_.size(); }

  // accepted() is the number of connections thread `index` has accepted so far. Throws
  // std::out_of_range for a bad index.
  std::uint64_t accepted(std::size_t index) const {
    return accepted_.at(index)->load(std::memory_order_relaxed);
  }

  // stop() stops every thread: it closes its listener, waits up to `grace` seconds (0: not at
  // all) for the connections it serves to end, kills those left (unwinding them closes their
  // sockets) and ends. Returns once every thread has ended, as group::join() waits (greenly on
  // a hub thread). From any thread but the server's own; a second call just waits. Throws
  // std::invalid_argument for a negative or NaN grace, std::logic_error from one of the
  // server's threads, hubs::blocking_call_error from the hub greenlet.
  void stop(double grace = 0);

  // wait() waits until the server has stopped (stop() was called, or a handler threw
  // stop_serve), as stop() waits. Throws as stop() does.
  void wait();

 private:
  struct thread_state;

  std::vector<std::shared_ptr<thread_state>> states_;
  std::vector<std::unique_ptr<std::atomic<std::uint64_t>>> accepted_;
  std::unique_ptr<listener_threads> threads_;
};

// serve() serves as a server does until a handler throws green::stop_serve, then returns once
// every thread has ended. Throws as server() does.
EVENTLET_API void serve(const green::address& local, green::connection_handler handler,
                        serve_options options = {});

}  // namespace eventlet::smp
