// Greenthreads: functions running in greenlets scheduled by the hub, like eventlet.spawn.
//
//   auto gt = eventlet::spawn([](int x) { eventlet::sleep(0.1); return x * 2; }, 21);
//   int r = gt.wait();  // 42, or rethrows what the function threw
//
// A greenthread belongs to the thread that spawned it; its handles are not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../base/bind_call.hpp"
#include "../base/export.hpp"
#include "../greenlet/greenlet.hpp"
#include "../hubs/hub.hpp"

namespace eventlet {

// How to spawn a greenthread: spawn(spawn_options{.stack_size = 64 * 1024, .name = "worker"}, f).
struct spawn_options {
  std::size_t stack_size = 0;  // bytes of stack; 0: default_stack_size()
  std::string name = {};       // shown in reports, blocking detection, hubs::hub::greenthreads()
};

namespace detail {

// The part of a greenthread that does not depend on its result type: its greenlet, the timer
// that starts it, its links and waiters. Shared by its handles and, while it runs, itself.
// Listed with its hub (as a hubs::task) until it finishes.
class EVENTLET_API greenthread_core : private hubs::task {
 public:
  greenthread_core(const greenthread_core&) = delete;
  greenthread_core& operator=(const greenthread_core&) = delete;

  // Cores come from a per-thread cache of blocks: spawning greenthreads one after another
  // would otherwise allocate and free one of the same size each time. Throws std::bad_alloc.
  static void* operator new(std::size_t size);
  static void operator delete(void* p, std::size_t size) noexcept;

  void ref() noexcept { ++refs_; }
  void unref() noexcept {
    if (--refs_ == 0) {
      if (error_ && !observed_) report_unobserved();
      destroy_(this);
    }
  }

  bool done() const noexcept { return done_; }
  const std::exception_ptr& error() const noexcept { return error_; }
  bool started() const noexcept { return greenlet_.started(); }
  eventlet::greenlet* greenlet() noexcept { return &greenlet_; }

  // Blocks until done; rethrows the function's exception.
  void wait();
  // Calls `fn` when done; `observes` says whether it sees the outcome (else an exception the
  // greenthread ends by is still reported when nobody else looked at it).
  std::size_t link(std::function<void()> fn, bool observes = true);
  bool unlink(std::size_t id);
  // Calls `fn(arg)` when done, before the links (detail::on_finish()); one per core.
  void on_finish(void (*fn)(void*), void* arg);
  void kill(std::exception_ptr e);
  bool cancel();
  // check_thread() throws hubs::hub_error naming `what` unless called on its hub's thread.
  void check_thread(const char* what) const { hub_.check_thread(what); }

 protected:
  greenthread_core(void (*destroy)(greenthread_core*), void (*body)(greenthread_core*),
                   double delay, const spawn_options* options);
  ~greenthread_core() = default;

  // Called by body() when the function has returned or thrown: records the outcome, runs the
  // links and arranges for the waiters to be resumed.
  void finish(std::exception_ptr error);

 private:
  struct waiting;
  static void kill_task(hubs::task& t);
  void start();
  void block();
  void report_unobserved() noexcept;

  // Drops the greenthread's own reference, run by the hub once the greenthread has finished
  // (or when the hub drops its queued calls at shutdown).
  struct self_release : hubs::queued_call {
    explicit self_release(greenthread_core* c) : queued_call(&run, &run), core(c) {}
    static void run(hubs::queued_call& q) { static_cast<self_release&>(q).core->unref(); }
    greenthread_core* core;
  };

  void (*destroy_)(greenthread_core*);
  unsigned refs_ = 2;  // the first handle, and the greenthread itself until it has finished
  bool done_ = false;
  bool observed_ = false;         // its outcome was waited for, or handed to a link
  bool starts_next_ = false;      // its start was queued on an idle hub: nothing runs before it
  bool waiter_releases_ = false;  // it finished into its waiter, which drops its reference
  std::exception_ptr error_;
  hubs::hub& hub_;
  std::vector<std::pair<std::size_t, std::function<void()>>> links_;
  void (*finish_hook_)(void*) = nullptr;
  void* finish_arg_ = nullptr;
  std::size_t next_link_ = 1;
  // A greenlet blocked in wait(), in a list through the waiters' own frames.
  struct waiter : hubs::wakeup {
    explicit waiter(eventlet::greenlet* g) noexcept : hubs::wakeup(g), self(g) {}
    eventlet::greenlet* self;
    waiter* next = nullptr;
  };
  waiter* waiters_ = nullptr;
  eventlet::greenlet greenlet_;
  // Starts it on the next pass, or after a delay.
  struct starter : hubs::queued_call {
    explicit starter(greenthread_core* c) : queued_call(&run), core(c) {}
    static void run(hubs::queued_call& q) { static_cast<starter&>(q).core->start(); }
    greenthread_core* core;
  };
  starter start_{this};
  hubs::timer start_later_;
  self_release release_{this};
};

// What link_value() calls: with the result, or with nothing for void.
template <typename R>
struct value_callback {
  using type = std::function<void(R&)>;
};
template <>
struct value_callback<void> {
  using type = std::function<void()>;
};

// Where a greenthread's result is kept: what its handles point at.
template <typename R>
class greenthread_result : public greenthread_core {
 public:
  using greenthread_core::greenthread_core;
  std::optional<R> value;
};
template <>
class greenthread_result<void> : public greenthread_core {
 public:
  using greenthread_core::greenthread_core;
};

template <typename R, typename F>
class greenthread_state final : public greenthread_result<R> {
 public:
  greenthread_state(F&& f, double delay, const spawn_options* options)
      : greenthread_result<R>(&destroy, &body, delay, options), fn_(std::move(f)) {}

 private:
  static void destroy(greenthread_core* c) { delete static_cast<greenthread_state*>(c); }
  static void body(greenthread_core* c) {
    auto* self = static_cast<greenthread_state*>(c);
    std::exception_ptr error;
    try {
      if constexpr (std::is_void_v<R>)
        (*self->fn_)();
      else
        self->value.emplace((*self->fn_)());
    } catch (...) {
      error = std::current_exception();
    }
    self->fn_.reset();  // release what the function captured
    self->finish(error);
  }

  std::optional<F> fn_;
};

}  // namespace detail

template <typename R>
class greenthread;

namespace detail {
template <typename F, typename... A>
auto spawn_greenthread(double seconds, const spawn_options* options, F&& f, A&&... args);

// on_finish() has `gt` call `fn(arg)` when it finishes however it ends (its function returned
// or threw, it was killed before it started, it was refused a stack), before its links, or at
// once if it has finished. Not a look at its outcome: an exception it ends by is still reported
// if nobody else looks. One per greenthread, with no allocation: what pools track members by.
template <typename T>
void on_finish(greenthread<T>& gt, void (*fn)(void*), void* arg) {
  gt.core_->on_finish(fn, arg);
}
}  // namespace detail

// A handle to a spawned function. Copies share the greenthread; it runs whether or not any
// handle is left.
template <typename R>
class greenthread {
 public:
  greenthread(const greenthread& o) noexcept : core_(o.core_) { core_->ref(); }
  greenthread(greenthread&& o) noexcept : core_(std::exchange(o.core_, nullptr)) {}
  greenthread& operator=(greenthread o) noexcept {
    std::swap(core_, o.core_);
    return *this;
  }
  ~greenthread() {
    if (core_) core_->unref();
  }

  // wait() blocks until the function finishes and returns its result (a reference to it, for
  // non-void R: waiting again returns the same value), or rethrows what it threw. A killed
  // greenthread rethrows greenlet_exit. Throws hubs::hub_error from the hub greenlet or from
  // another thread.
  decltype(auto) wait() {
    core_->wait();
    if constexpr (!std::is_void_v<R>) return static_cast<R&>(*core_->value);
  }

  // link() calls `fn(*this)` in the greenthread when it finishes (at once if it has); returns
  // an id for unlink(). Throws hubs::hub_error from another thread.
  std::size_t link(std::function<void(greenthread&)> fn) {
    return core_->link([fn = std::move(fn), self = *this]() mutable { fn(self); });
  }

  // unlink() removes a link that has not run yet; returns whether it did. Throws
  // hubs::hub_error from another thread.
  bool unlink(std::size_t id) { return core_->unlink(id); }

  // link_value() (python-eventlib's proc links) calls `fn` with the result (no argument for
  // void R) when the greenthread returns normally; returns an id for unlink().
  std::size_t link_value(typename detail::value_callback<R>::type fn) {
    return core_->link(
        [fn = std::move(fn), self = *this]() mutable {
          if (self.core_->error()) return;
          if constexpr (std::is_void_v<R>)
            fn();
          else
            fn(static_cast<R&>(*self.core_->value));
        },
        false);  // it never sees an exception, which is then still reported
  }

  // link_exception() calls `fn` with the exception when the greenthread ends by one
  // (greenlet_exit when it was killed); returns an id for unlink().
  std::size_t link_exception(std::function<void(std::exception_ptr)> fn) {
    return link([fn = std::move(fn)](greenthread& g) {
      if (const std::exception_ptr& e = g.core_->error()) fn(e);
    });
  }

  // kill() raises `e` (greenlet_exit by default) in the greenthread and returns once it has
  // finished, even when its unwinding blocks again (a sleep in a destructor): the loop runs
  // meanwhile. One that has not started finishes without running. A no-op once finished. From
  // the hub greenlet, which cannot wait, it returns as soon as the greenthread first switches
  // away. Throws hubs::hub_error from another thread, and what is thrown into the caller while
  // it waits (its own kill or timeout).
  void kill(std::exception_ptr e = std::make_exception_ptr(greenlet_exit{})) { core_->kill(e); }

  // cancel() kills the greenthread only if it has not started; returns whether it did. Throws
  // hubs::hub_error from another thread.
  bool cancel() { return core_->cancel(); }

  // dead() tells whether the greenthread has finished (returned, thrown, or been killed).
  bool dead() const noexcept { return core_->done(); }

  // greenlet() is the greenlet it runs in, for instance to name it (greenlet::set_name()).
  eventlet::greenlet* greenlet() const noexcept { return core_->greenlet(); }

 private:
  template <typename F, typename... A>
  friend auto detail::spawn_greenthread(double seconds, const spawn_options* options, F&& f,
                                        A&&... args);
  template <typename T>
  friend void detail::on_finish(greenthread<T>& gt, void (*fn)(void*), void* arg);
  explicit greenthread(detail::greenthread_result<R>* c) noexcept : core_(c) {}
  detail::greenthread_result<R>* core_;
};

namespace detail {
// spawn_greenthread() is what every spawn call does; `options` may be null (the defaults).
template <typename F, typename... A>
auto spawn_greenthread(double seconds, const spawn_options* options, F&& f, A&&... args) {
  auto call = bind_call(std::forward<F>(f), std::forward<A>(args)...);
  using R = std::invoke_result_t<decltype(call)&>;
  return greenthread<R>(
      new greenthread_state<R, decltype(call)>(std::move(call), seconds, options));
}
}  // namespace detail

// spawn_after() runs `f(args...)` in a new greenthread after `seconds`; cancel() on the result
// stops it from starting. The arguments are copied (or moved) into the greenthread. Throws
// std::invalid_argument for a NaN delay (see spawn()).
template <typename F, typename... A>
auto spawn_after(double seconds, const spawn_options& options, F&& f, A&&... args) {
  return detail::spawn_greenthread(seconds, &options, std::forward<F>(f), std::forward<A>(args)...);
}

template <typename F, typename... A>
requires(!std::is_same_v<std::remove_cvref_t<F>, spawn_options>) auto spawn_after(double seconds,
                                                                                  F&& f,
                                                                                  A&&... args) {
  return detail::spawn_greenthread(seconds, nullptr, std::forward<F>(f), std::forward<A>(args)...);
}

// spawn_after_local() is spawn_after() tied to the calling greenthread, like Python's: if the
// caller has finished (returned, thrown, been killed) by the time the delay is over, `f` does
// not run and the greenthread ends as a cancelled one does (wait() rethrows greenlet_exit).
// From the thread's main greenlet it is spawn_after(). Throws as spawn_after() does.
template <typename F, typename... A>
auto spawn_after_local(double seconds, F&& f, A&&... args) {
  auto call = bind_call(std::forward<F>(f), std::forward<A>(args)...);
  return detail::spawn_greenthread(
      seconds, nullptr,
      [spawner = greenlet_ref(*getcurrent()), call = std::move(call)]() mutable -> decltype(auto) {
        const eventlet::greenlet* g = spawner.get();
        if (!g || g->dead()) throw greenlet_exit{};
        return call();
      });
}

// spawn() runs `f(args...)` in a new greenthread on the next hub pass; returns its handle.
// The arguments are copied (or moved) into the greenthread; `options` give its stack size and
// name. The stack is taken when it starts: if the system refuses it (RLIMIT_AS,
// vm.max_map_count), the greenthread finishes with std::bad_alloc without running, and wait()
// rethrows that. An exception it ends by that nobody looks at (no wait(), no link) is reported
// through the hub's exception handler, with its name, when its last handle goes. Throws
// std::invalid_argument for a bad stack size, std::bad_alloc.
template <typename F, typename... A>
auto spawn(const spawn_options& options, F&& f, A&&... args) {
  return detail::spawn_greenthread(0, &options, std::forward<F>(f), std::forward<A>(args)...);
}

template <typename F, typename... A>
requires(!std::is_same_v<std::remove_cvref_t<F>, spawn_options>) auto spawn(F&& f, A&&... args) {
  return detail::spawn_greenthread(0, nullptr, std::forward<F>(f), std::forward<A>(args)...);
}

// spawn_n() is spawn() without a handle: cheaper to forget. What the function throws is
// reported through the hub's exception handler, naming the greenthread.
template <typename F, typename... A>
void spawn_n(const spawn_options& options, F&& f, A&&... args) {
  detail::spawn_greenthread(0, &options, std::forward<F>(f), std::forward<A>(args)...);
}

template <typename F, typename... A>
requires(!std::is_same_v<std::remove_cvref_t<F>, spawn_options>) void spawn_n(F&& f, A&&... args) {
  detail::spawn_greenthread(0, nullptr, std::forward<F>(f), std::forward<A>(args)...);
}

namespace detail {
EVENTLET_API void sleep_for(double seconds);
}  // namespace detail

// sleep() suspends the calling greenthread for `seconds` (0: let the others run, then
// continue). Throws hubs::hub_error from the hub greenlet, std::invalid_argument for NaN.
// sleep(0) is inline, so the greenthread resumes in its caller's frame without a `ret`.
inline void sleep(double seconds = 0) {
  if (seconds != 0) return detail::sleep_for(seconds);
  hubs::hub& h = hubs::get_hub();
  hubs::wakeup me(getcurrent());
  h.queue(me);
  h.switch_to();  // refuses in the hub greenlet; `me` then leaves the queue
}

// sleep() for any other arithmetic type: in code that says `using namespace eventlet`, an
// exact match beats POSIX ::sleep(unsigned) for every type but unsigned int itself, for which
// the overload below makes the call ambiguous -- a compile error rather than a silent POSIX
// sleep that would block the hub.
template <typename T>
requires(std::is_arithmetic_v<T> && !std::is_same_v<T, double> &&
         !std::is_same_v<T, unsigned>) void sleep(T seconds) {
  sleep(static_cast<double>(seconds));
}
inline void sleep(unsigned seconds) { sleep(static_cast<double>(seconds)); }

// sleep() for a std::chrono duration: sleep(50ms).
template <typename Rep, typename Period>
void sleep(std::chrono::duration<Rep, Period> d) {
  sleep(std::chrono::duration<double>(d).count());
}

// kill() kills a greenthread: see greenthread::kill().
template <typename R>
void kill(greenthread<R>& gt, std::exception_ptr e = std::make_exception_ptr(greenlet_exit{})) {
  gt.kill(e);
}

// waitall() waits for every greenthread in `all` and returns their results in order (nothing
// for void R); if any threw, it rethrows the first such exception in list order, once all
// have finished.
template <typename R>
auto waitall(std::vector<greenthread<R>>& all) {
  std::exception_ptr first;
  auto wait_one = [&first](greenthread<R>& g) -> decltype(auto) {
    try {
      return g.wait();
    } catch (...) {
      if (!first) first = std::current_exception();
      throw;
    }
  };
  if constexpr (std::is_void_v<R>) {
    for (auto& g : all) try {
        wait_one(g);
      } catch (...) {
      }
    if (first) std::rethrow_exception(first);
  } else {
    std::vector<R> values;
    for (auto& g : all) try {
        values.push_back(wait_one(g));
      } catch (...) {
      }
    if (first) std::rethrow_exception(first);
    return values;
  }
}

// killall() kills every greenthread in `all` that has not finished, with `e` (greenlet_exit by
// default); each kill returns once its greenthread has finished.
template <typename R>
void killall(std::vector<greenthread<R>>& all,
             std::exception_ptr e = std::make_exception_ptr(greenlet_exit{})) {
  for (auto& g : all) g.kill(e);
}

// call_after() (the seed's name) calls `fn` in the hub greenlet after `seconds`; the timer it
// returns can cancel the call.
EVENTLET_API hubs::timer call_after(double seconds, std::function<void()> fn);

}  // namespace eventlet
