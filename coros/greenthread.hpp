// Greenthreads: functions running in greenlets scheduled by the hub, like eventlet.spawn.
//
//   auto gt = eventlet::spawn([](int x) { eventlet::sleep(0.1); return x * 2; }, 21);
//   int r = gt.wait();  // 42, or rethrows what the function threw
//
// A greenthread belongs to the thread that spawned it; its handles are not thread-safe.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../greenlet/greenlet.hpp"
#include "../hubs/hub.hpp"

namespace eventlet {

namespace detail {

// The part of a greenthread that does not depend on its result type: its greenlet, the timer
// that starts it, its links and waiters. Shared by its handles and, while it runs, itself.
class greenthread_core {
 public:
  greenthread_core(const greenthread_core&) = delete;
  greenthread_core& operator=(const greenthread_core&) = delete;

  void ref() noexcept { ++refs_; }
  void unref() noexcept {
    if (--refs_ == 0) destroy_(this);
  }

  bool done() const noexcept { return done_; }
  const std::exception_ptr& error() const noexcept { return error_; }
  bool started() const noexcept { return greenlet_.started(); }
  eventlet::greenlet* greenlet() noexcept { return &greenlet_; }

  // Blocks until done; rethrows the function's exception.
  void wait();
  std::size_t link(std::function<void()> fn);
  bool unlink(std::size_t id) noexcept;
  void kill(std::exception_ptr e);
  bool cancel();

 protected:
  greenthread_core(void (*destroy)(greenthread_core*), void (*body)(greenthread_core*),
                   double delay);
  ~greenthread_core() = default;

  // Called by body() when the function has returned or thrown: records the outcome, runs the
  // links and arranges for the waiters to be resumed.
  void finish(std::exception_ptr error);

 private:

  // Drops the greenthread's own reference, run by the hub once the greenthread has finished
  // (or by its destructor, if the hub goes first).
  struct self_release : hubs::queued_call {
    explicit self_release(greenthread_core* c) : queued_call(&run, &run), core(c) {}
    static void run(hubs::queued_call& q) { static_cast<self_release&>(q).core->unref(); }
    greenthread_core* core;
  };

  void (*destroy_)(greenthread_core*);
  unsigned refs_ = 2;  // the first handle, and the greenthread itself until it has finished
  bool done_ = false;
  std::exception_ptr error_;
  hubs::hub& hub_;
  std::vector<std::pair<std::size_t, std::function<void()>>> links_;
  std::size_t next_link_ = 1;
  // A greenlet blocked in wait(), in a list through the waiters' own frames.
  struct waiter : hubs::wakeup {
    using hubs::wakeup::wakeup;
    waiter* next = nullptr;
  };
  waiter* waiters_ = nullptr;
  eventlet::greenlet greenlet_;
  hubs::wakeup start_{&greenlet_};  // starts it on the next pass, or
  hubs::timer start_later_;         // after a delay
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
  greenthread_state(F&& f, double delay)
      : greenthread_result<R>(&destroy, &body, delay), fn_(std::move(f)) {}

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
  // greenthread rethrows greenlet_exit. Throws hubs::hub_error from the hub greenlet.
  decltype(auto) wait() {
    core_->wait();
    if constexpr (!std::is_void_v<R>) return static_cast<R&>(*core_->value);
  }

  // link() calls `fn(*this)` in the greenthread when it finishes (at once if it has); returns
  // an id for unlink().
  std::size_t link(std::function<void(greenthread&)> fn) {
    return core_->link([fn = std::move(fn), self = *this]() mutable { fn(self); });
  }

  // unlink() removes a link that has not run yet; returns whether it did.
  bool unlink(std::size_t id) noexcept { return core_->unlink(id); }

  // link_value() (python-eventlib's proc links) calls `fn` with the result (no argument for
  // void R) when the greenthread returns normally; returns an id for unlink().
  std::size_t link_value(typename detail::value_callback<R>::type fn) {
    return link([fn = std::move(fn)](greenthread& g) {
      if (g.core_->error()) return;
      if constexpr (std::is_void_v<R>)
        fn();
      else
        fn(g.wait());
    });
  }

  // link_exception() calls `fn` with the exception when the greenthread ends by one
  // (greenlet_exit when it was killed); returns an id for unlink().
  std::size_t link_exception(std::function<void(std::exception_ptr)> fn) {
    return link([fn = std::move(fn)](greenthread& g) {
      if (const std::exception_ptr& e = g.core_->error()) fn(e);
    });
  }

  // kill() raises `e` (greenlet_exit by default) in the greenthread and lets it finish before
  // returning; one that has not started finishes without running. A no-op once finished.
  void kill(std::exception_ptr e = std::make_exception_ptr(greenlet_exit{})) { core_->kill(e); }

  // cancel() kills the greenthread only if it has not started; returns whether it did.
  bool cancel() { return core_->cancel(); }

  // dead() tells whether the greenthread has finished (returned, thrown, or been killed).
  bool dead() const noexcept { return core_->done(); }

  // greenlet() is the greenlet it runs in, for instance to name it (greenlet::set_name()).
  eventlet::greenlet* greenlet() const noexcept { return core_->greenlet(); }

 private:
  template <typename F, typename... A>
  friend auto spawn_after(double seconds, F&& f, A&&... args);
  explicit greenthread(detail::greenthread_result<R>* c) noexcept : core_(c) {}
  detail::greenthread_result<R>* core_;
};

namespace detail {
template <typename F, typename... A>
auto bind_call(F&& f, A&&... args) {
  return [f = std::forward<F>(f), args = std::make_tuple(std::forward<A>(args)...)]() mutable {
    return std::apply(f, std::move(args));
  };
}
}  // namespace detail

// spawn_after() runs `f(args...)` in a new greenthread after `seconds`; cancel() on the result
// stops it from starting. Throws std::invalid_argument for a NaN delay.
template <typename F, typename... A>
auto spawn_after(double seconds, F&& f, A&&... args) {
  auto call = detail::bind_call(std::forward<F>(f), std::forward<A>(args)...);
  using R = std::invoke_result_t<decltype(call)&>;
  return greenthread<R>(new detail::greenthread_state<R, decltype(call)>(std::move(call), seconds));
}

// spawn() runs `f(args...)` in a new greenthread on the next hub pass; returns its handle.
// The arguments are copied (or moved) into the greenthread.
template <typename F, typename... A>
auto spawn(F&& f, A&&... args) {
  return spawn_after(0, std::forward<F>(f), std::forward<A>(args)...);
}

// spawn_n() is spawn() without a handle: cheaper to forget. What the function throws is
// reported by the hub's exception handler (stderr by default) instead of kept.
template <typename F, typename... A>
void spawn_n(F&& f, A&&... args) {
  spawn([call = detail::bind_call(std::forward<F>(f), std::forward<A>(args)...)]() mutable {
    try {
      call();
    } catch (const greenlet_exit&) {
    } catch (...) {
      hubs::get_hub().report_exception(std::current_exception(), "a spawn_n greenthread");
    }
  });
}

namespace detail {
void sleep_for(double seconds);
}  // namespace detail

// sleep() suspends the calling greenthread for `seconds` (0: let the others run, then
// continue). Throws hubs::hub_error from the hub greenlet, std::invalid_argument for NaN.
// sleep(0) is inline, so the greenthread resumes in its caller's frame without a `ret`.
inline void sleep(double seconds = 0) {
  if (seconds != 0) return detail::sleep_for(seconds);
  hubs::hub& h = hubs::get_hub();
  hubs::wakeup me(getcurrent());
  h.queue(me);
  h.switch_();  // refuses in the hub greenlet; `me` then leaves the queue
}

// sleep(int) makes sleep(0) and sleep(1) unambiguous beside POSIX ::sleep(unsigned) in code
// that says `using namespace eventlet`.
inline void sleep(int seconds) { sleep(static_cast<double>(seconds)); }

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
    for (auto& g : all) try { wait_one(g); } catch (...) {}
    if (first) std::rethrow_exception(first);
  } else {
    std::vector<R> values;
    for (auto& g : all) try { values.push_back(wait_one(g)); } catch (...) {}
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
hubs::timer call_after(double seconds, std::function<void()> fn);

}  // namespace eventlet
