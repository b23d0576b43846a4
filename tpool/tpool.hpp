// tpool: a pool of native threads for blocking calls that have no green version (a C library's
// blocking I/O, a long computation), like eventlet.tpool.
//
//   std::string text = eventlet::tpool::execute(read_whole_file, "/etc/hosts");
//
// execute() hands the call to a pool thread and suspends only the calling greenthread (or main
// greenlet): the other greenthreads of its hub keep running. When the call returns, the pool
// thread wakes the caller's hub through hub::run_callback_threadsafe (one eventfd write per batch
// of results; nothing polls) and the caller resumes with the value, or the exception. The pool
// is process-wide: calls come from any hub thread, and each result goes back to the hub of the
// thread that made the call.
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
// After fork(), the child's pool starts empty (no thread survives a fork) and starts again on the
// next call; calls in flight at the time of the fork never complete in the child.
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "../base/bind_call.hpp"
#include "../base/export.hpp"
#include "../hubs/hub.hpp"

namespace eventlet::tpool {

namespace detail {

class return_address;

// One call handed to the pool, shared by the caller and the pool (a reference each, the pool's
// from when it takes the call): the caller's frame may be gone by the time the call returns.
class EVENTLET_API request {
 public:
  request(const request&) = delete;
  request& operator=(const request&) = delete;

  // run() makes the call on a pool thread and keeps its value or exception.
  virtual void run() noexcept = 0;

  // add_ref() adds a reference.
  void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }

  // release() drops a reference; the last one frees the request, on whichever thread drops it.
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Used on the caller's hub thread only: the waiting caller (null once it has stopped
  // waiting), and whether the result has come back.
  hubs::wakeup* waiter = nullptr;
  bool done = false;
  // Where the result goes, until the pool posts it there.
  std::shared_ptr<return_address> reply;
  // The link in the pool's queue, then in the return address's list of results.
  request* next = nullptr;

 protected:
  request() = default;
  virtual ~request() = default;

 private:
  std::atomic<unsigned> refs_{1};
};

// A request for `Call`, a function object taking no arguments (as built by bind_call()).
template <typename Call>
class call_request final : public request {
 public:
  using result = std::invoke_result_t<Call&>;

  explicit call_request(Call&& call) : call_(std::move(call)) {}

  void run() noexcept override {
    try {
      if constexpr (std::is_void_v<result>)
        call_();
      else
        value_.emplace(call_());
    } catch (...) {
      error_ = std::current_exception();
    }
  }

  // take() returns the value, or rethrows the exception; once, after the call has returned.
  result take() {
    if (error_) std::rethrow_exception(error_);
    if constexpr (!std::is_void_v<result>) return std::move(*value_);
  }

 private:
  struct nothing {};
  Call call_;
  [[no_unique_address]] std::conditional_t<std::is_void_v<result>, nothing, std::optional<result>>
      value_;  // nothing to keep for void
  std::exception_ptr error_;
};

// on_pool_thread() tells whether the calling thread is one of the pool's.
EVENTLET_API bool on_pool_thread() noexcept;

// wait_for() hands `r` to the pool and suspends the calling greenlet until its result is back.
// Throws hubs::hub_error from the hub greenlet, std::invalid_argument for a bad
// EVENTLET_THREADPOOL_SIZE, std::system_error if a pool thread cannot start, and whatever is
// thrown into the waiting greenlet (greenlet_exit, timeout_error), after which `r` is abandoned
// to the pool.
EVENTLET_API void wait_for(request& r);

}  // namespace detail

// execute() runs f(args...) on a pool thread and suspends only the calling greenthread (or main
// greenlet) until it returns; returns its value or rethrows its exception. Called from a pool
// thread, it runs the call right there. Throws hubs::blocking_call_error from the hub greenlet (a
// timer or listener callback), std::invalid_argument if EVENTLET_THREADPOOL_SIZE is bad, and
// std::system_error if the pool cannot start a thread.
template <typename F, typename... A>
auto execute(F&& f, A&&... args) {
  auto call = eventlet::bind_call(std::forward<F>(f), std::forward<A>(args)...);
  using call_type = decltype(call);
  if (detail::on_pool_thread()) return call();
  struct shared {  // the caller's reference
    detail::call_request<call_type>* r;
    ~shared() { r->release(); }
  } mine{new detail::call_request<call_type>(std::move(call))};
  detail::wait_for(*mine.r);
  return mine.r->take();
}

// num_threads() is the most threads the pool runs: EVENTLET_THREADPOOL_SIZE if set (and not
// empty), else 20, unless set_num_threads() changed it. Throws std::invalid_argument, naming the
// variable, if EVENTLET_THREADPOOL_SIZE is not a positive integer.
EVENTLET_API int num_threads();

// set_num_threads() changes the most threads the pool runs; threads already running beyond a
// smaller size keep serving until killall(). Throws std::invalid_argument if `n` is below 1.
EVENTLET_API void set_num_threads(int n);

// killall() lets the pool's threads finish the queued calls and joins them all, blocking the
// calling OS thread meanwhile; the next execute() starts the pool again. Throws std::logic_error
// from a pool thread (which would wait for itself).
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
