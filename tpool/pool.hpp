// tpool::pool: a pool of native threads as an object, which grows on demand up to `max` threads
// and shrinks back to `min` after `idle` time without work. tpool::execute() uses the default
// pool (tpool.hpp), one of these; a program makes others to keep kinds of blocking work apart:
//
//   eventlet::tpool::pool disk({.min = 0, .max = 4, .idle = 30s});
//   std::string text = disk.execute(read_whole_file, "/etc/hosts");
//
// execute() hands the call to a pool thread and suspends only the calling greenthread (or main
// greenlet); the result comes back through the caller's hub (its wake-up fd, once per batch of
// results; nothing polls). A native call cannot be interrupted: if its caller is killed or
// times out, the call runs to its end and its result is dropped, which is why the function and
// its arguments are copied (or moved) into the call.
//
// After fork(), a child's pools start empty (no thread survives a fork) and start threads again
// on the next call; calls in flight at the time of the fork never complete in the child.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "../base/bind_call.hpp"
#include "../base/export.hpp"
#include "detail/request.hpp"

namespace eventlet::tpool {

struct pool_options {
  int min = 0;   // threads kept when idle (started on demand, like the others)
  int max = 20;  // threads at most
  std::chrono::duration<double> idle = std::chrono::seconds(30);  // before an idle thread ends
};

// What a pool is doing, as statistics() reports it.
struct pool_statistics {
  int threads = 0;            // running now
  int idle = 0;               // of which waiting for a call
  std::size_t queued = 0;     // calls waiting for a thread
  std::uint64_t started = 0;  // threads started so far
  std::uint64_t ended = 0;    // threads that ended after their idle time (or killall())
  std::uint64_t calls = 0;    // calls completed so far
};

class EVENTLET_API pool {
 public:
  // pool() makes a pool with no thread yet. Throws std::invalid_argument for max < 1, min < 0,
  // min > max, or a negative or NaN idle time.
  explicit pool(pool_options options = {});

  // ~pool() lets the threads finish the queued calls and joins them (as killall()). Destroying
  // a pool from one of its own threads, which would wait for itself, aborts the process.
  ~pool();
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  // execute() runs f(args...) on one of the pool's threads and suspends only the calling
  // greenthread (or main greenlet) until it returns; returns its value or rethrows its
  // exception. Called from a thread of any pool, it runs the call right there (a nested call
  // that queued could wait for itself). Throws hubs::blocking_call_error from the hub greenlet
  // (a timer or listener callback), std::system_error if no thread can start and none runs.
  template <typename F, typename... A>
  auto execute(F&& f, A&&... args) {
    auto call = eventlet::bind_call(std::forward<F>(f), std::forward<A>(args)...);
    using call_type = decltype(call);
    if (detail::on_pool_thread()) return call();
    struct shared {  // the caller's reference
      detail::call_request<call_type>* r;
      ~shared() { r->release(); }
    } mine{new detail::call_request<call_type>(std::move(call))};
    wait_for(*mine.r);
    return mine.r->take();
  }

  // max() is the most threads the pool runs.
  int max() const;

  // set_max() changes it; threads already running beyond a smaller max end once idle. Throws
  // std::invalid_argument for n < 1 or n below min.
  void set_max(int n);

  // statistics() is a snapshot of what the pool is doing; from any thread.
  pool_statistics statistics() const;

  // killall() lets the threads finish the queued calls and joins them all, blocking the
  // calling OS thread meanwhile; the next execute() starts threads again. Throws
  // std::logic_error from one of the pool's threads (which would wait for itself).
  void killall();

  struct impl;  // the threads and the queue, defined in pool.cpp

 private:
  // wait_for() hands `r` to the pool and suspends the calling greenlet until its result is
  // back; throws what execute() throws, and what is thrown into the waiting greenlet
  // (greenlet_exit, timeout_error), after which `r` is abandoned to the pool.
  void wait_for(detail::request& r);
  std::unique_ptr<impl> impl_;
};

}  // namespace eventlet::tpool
