// tpool: a pool of native threads for blocking calls that have no green version (a C library's
// blocking I/O, a long computation), like eventlet.tpool.
//
//   std::string text = eventlet::tpool::execute(read_whole_file, "/etc/hosts");
//
// execute() hands the call to a thread of the default pool and suspends only the calling
// greenthread (or main greenlet): the other greenthreads of its hub keep running. When the call
// returns, the pool thread wakes the caller's hub through hub::run_callback_threadsafe (one
// eventfd write per batch of results; nothing polls) and the caller resumes with the value, or
// the exception. The default pool is process-wide: calls come from any hub thread, and each
// result goes back to the hub of the thread that made the call. More pools, each with its own
// size and idle time, are objects of class tpool::pool (pool.hpp).
//
// A native call cannot be interrupted. If its caller is killed (or times out) meanwhile, the call
// runs to its end and its result is dropped. That is why the function and its arguments are
// copied (or moved) into the call, which the pool and the caller share: pass std::ref only to
// objects that outlive the call, whatever happens to the caller.
//
// Sending to a hub thread from other threads. A greenthread primitive belongs to its hub's thread;
// a pool thread, or any other OS thread, must not use it directly. The thread-safe way for any OS
// thread to send a value to an event<T> owned by a hub thread is event<T>::send_threadsafe(value)
// (coros/event.hpp): the event's hub performs the send on its next pass, so the event must
// outlive that. For anything else, hub::run_callback_threadsafe(fn) runs `fn` in that hub.
//
// After fork(), the child's pools start empty (no thread survives a fork) and start again on the
// next call; calls in flight at the time of the fork never complete in the child.
#pragma once

#include <memory>
#include <stdexcept>
#include <utility>

#include "../base/export.hpp"
#include "pool.hpp"

namespace eventlet::tpool {

// default_pool() is the pool that execute() uses, made on first use: at most
// EVENTLET_THREADPOOL_SIZE threads if that is set (and not empty), else 20; threads idle for 30 s
// end. Throws std::invalid_argument, naming the variable, if EVENTLET_THREADPOOL_SIZE is not a
// positive integer.
EVENTLET_API pool& default_pool();

// execute() runs f(args...) on a thread of the default pool: default_pool().execute(f, args...).
// Throws what default_pool() and pool::execute() throw.
template <typename F, typename... A>
auto execute(F&& f, A&&... args) {
  return default_pool().execute(std::forward<F>(f), std::forward<A>(args)...);
}

// num_threads() is the most threads the default pool runs (default_pool().max()). Throws as
// default_pool() does.
EVENTLET_API int num_threads();

// set_num_threads() changes it (default_pool().set_max(n)). Throws std::invalid_argument if `n`
// is below 1.
EVENTLET_API void set_num_threads(int n);

// killall() lets the default pool's threads finish the queued calls and joins them all
// (default_pool().killall()). Throws std::logic_error from a pool thread.
EVENTLET_API void killall();

// proxy<T> makes an object's method calls run on the pool through execute():
//
//   tpool::proxy<database> db(std::make_shared<database>(path));
//   auto rows = db.call(&database::query, "select 1");  // suspends only this greenthread
//
// Python's tpool.Proxy intercepts every attribute access; C++ cannot intercept arbitrary member
// access, so here `p.call(&T::method, args...)` stands for `p.method(args...)`, and get()
// returns the object itself for direct use.
template <typename T>
class proxy {
 public:
  // proxy(object) wraps an object that the caller keeps alive for as long as calls through the
  // proxy may run: a killed caller's call still runs to its end.
  explicit proxy(T& object) noexcept : object_(std::shared_ptr<T>(), &object) {}

  // proxy(object) wraps a shared object; every call keeps it alive until the call ends. Throws
  // std::invalid_argument for null.
  explicit proxy(std::shared_ptr<T> object) : object_(std::move(object)) {
    if (!object_) throw std::invalid_argument("tpool::proxy: null object");
  }

  // call() runs (object.*method)(args...) on a pool thread and returns its value or rethrows
  // its exception, as execute() does (and throws what execute() throws).
  template <typename M, typename... A>
  auto call(M method, A&&... args) const {
    return execute(method, object_, std::forward<A>(args)...);
  }

  // get() returns the wrapped object.
  T& get() const noexcept { return *object_; }

 private:
  std::shared_ptr<T> object_;
};

}  // namespace eventlet::tpool
