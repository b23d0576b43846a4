// block_on(): code outside any greenthread -- main() before the loop runs, a tool with no loop of
// its own -- waits for a callback-style operation, the loop running meanwhile.
//
//   int n = eventlet::embed::block_on<int>([](eventlet::embed::completion<int> done) {
//     start_lookup(..., [done](int result) { done(result); });  // a callback API
//   }, 5.0);                                                       // or timeout_error
//
// The timeout is in seconds; std::nullopt (the default) means no limit, and a negative or NaN
// one is std::invalid_argument (docs/design.md, "Timeouts").
//
// In the main greenlet of a joined loop (join()), outside the loop's callbacks, block_on() runs
// the application's loop until the operation completes; in a greenthread (or the main greenlet
// of a plain hub) it waits as any blocking call does. In a loop callback it throws
// hubs::blocking_call_error, as every blocking call does there.
#pragma once

#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>

#include "../base/export.hpp"
#include "../coros/event.hpp"

namespace eventlet::embed {

namespace detail {

// What an operation block_on() waits for has come to: the result, once.
template <typename T>
struct completion_state {
  std::conditional_t<std::is_void_v<T>, bool, std::optional<T>> value{};
  std::exception_ptr error;
  eventlet::event<void> done;
};

// check_timeout() throws std::invalid_argument for a negative or NaN timeout.
inline void check_timeout(std::optional<double> timeout) {
  if (timeout && !(*timeout >= 0))
    throw std::invalid_argument("embed::block_on: timeout must be a number >= 0, or nullopt");
}

// wait_for() waits until `done` is sent or `timeout` seconds pass (nullopt: no limit), as
// block_on() says. Throws eventlet::timeout_error when the time runs out,
// hubs::blocking_call_error in a loop callback.
EVENTLET_API void wait_for(eventlet::event<void>& done, std::optional<double> timeout);

}  // namespace detail

// completion<T>: what block_on()'s `start` receives, to call once the operation completes.
// Copies share the operation; calls after the first are ignored, as are calls after block_on()
// gave up (timeout). Call it on the loop's thread (from a loop callback or a greenthread).
template <typename T>
class completion {
 public:
  explicit completion(std::shared_ptr<detail::completion_state<T>> s) : s_(std::move(s)) {}

  // operator()() completes the operation with `value` (no argument for void T).
  template <typename... V>
  void operator()(V&&... value) const {
    if (s_->done.ready()) return;
    if constexpr (std::is_void_v<T>)
      s_->value = true;
    else
      s_->value.emplace(std::forward<V>(value)...);
    s_->done.send();
  }

  // fail() completes the operation with the exception `e`, which block_on() rethrows.
  void fail(std::exception_ptr e) const {
    if (s_->done.ready()) return;
    s_->error = std::move(e);
    s_->done.send();
  }

 private:
  std::shared_ptr<detail::completion_state<T>> s_;
};

// block_on() calls `start(completion<T>)`, which begins a callback-style operation, and returns
// the value it completes with, or rethrows the exception it fails with (or that `start`
// throws). Throws eventlet::timeout_error when `timeout` seconds (nullopt: no limit) pass
// first, std::invalid_argument for a negative or NaN timeout (before `start` is called),
// hubs::blocking_call_error in a loop callback.
template <typename T, typename Start>
T block_on(Start start, std::optional<double> timeout = std::nullopt) {
  detail::check_timeout(timeout);
  auto s = std::make_shared<detail::completion_state<T>>();
  start(completion<T>(s));
  detail::wait_for(s->done, timeout);
  if (s->error) std::rethrow_exception(s->error);
  if constexpr (!std::is_void_v<T>) return std::move(*s->value);
}

// block_on() waits for `f`, a future that another thread (the thread pool, std::async) makes
// ready, the loop running meanwhile, and returns its value or rethrows its exception. A thread
// of its own waits for the future and wakes the hub. Throws as block_on() above, and
// std::future_error for a future with no state.
template <typename T>
T block_on(std::future<T> f, std::optional<double> timeout = std::nullopt) {
  if (!f.valid()) throw std::future_error(std::future_errc::no_state);
  detail::check_timeout(timeout);
  hubs::remote_hub hub = hubs::get_hub().remote();
  return block_on<T>(
      [&f, hub](completion<T> done) {
        std::thread([f = std::move(f), hub, done]() mutable {
          f.wait();
          try {
            hub.post([f = std::make_shared<std::future<T>>(std::move(f)), done] {
              try {
                if constexpr (std::is_void_v<T>) {
                  f->get();
                  done();
                } else {
                  done(f->get());
                }
              } catch (...) {
                done.fail(std::current_exception());
              }
            });
          } catch (const hubs::hub_error&) {  // the hub's thread has gone: nobody waits
          }
        }).detach();
      },
      timeout);
}

}  // namespace eventlet::embed
