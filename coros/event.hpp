// event<T>: one value (or exception) sent once, waited for by any number of greenthreads,
// like the seed's coros.event.
//
//   eventlet::event<int> done;
//   eventlet::spawn([&] { done.send(42); });
//   int v = done.wait();  // 42
#pragma once

#include <cmath>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../base/errors.hpp"
#include "detail/wait_list.hpp"

namespace eventlet {

template <typename T = void>
class event {
  using stored = std::conditional_t<std::is_void_v<T>, bool, T>;

 public:
  // event() makes an unsent event owned by the calling thread (and its hub).
  event() : hub_(hubs::get_hub().remote()) {}
  event(const event&) = delete;
  event& operator=(const event&) = delete;

  // send() stores `value` and wakes every waiter. Throws std::logic_error if already sent.
  // Non-blocking: safe from the hub greenlet.
  template <typename... V>
  void send(V&&... value) {
    owner_.check("event::send");
    if (ready()) throw std::logic_error("event::send: the event was already sent");
    if constexpr (std::is_void_v<T>)
      value_.emplace(true);
    else
      value_.emplace(std::forward<V>(value)...);
    waiters_.wake_all();
  }

  // send_exception() makes every wait() throw `e`. Throws std::logic_error if already sent,
  // std::invalid_argument for null.
  void send_exception(std::exception_ptr e) {
    owner_.check("event::send_exception");
    if (!e) throw std::invalid_argument("event::send_exception: null exception");
    if (ready()) throw std::logic_error("event::send_exception: the event was already sent");
    error_ = std::move(e);
    waiters_.wake_all();
  }

  // send_threadsafe() sends `value` from any thread: the owner's hub does it on its next pass.
  // The event must outlive that. A second send is reported by the hub's exception handler.
  // Throws hubs::hub_error if the owner's thread has exited.
  template <typename... V>
  void send_threadsafe(V&&... value) {
    hub_.post([this, args = std::make_tuple(std::forward<V>(value)...)]() mutable {
      std::apply([this](auto&&... v) { send(std::move(v)...); }, std::move(args));
    });
  }

  // wait() blocks until the event is sent and returns the value (the same value every time,
  // for every waiter), or rethrows the sent exception. Throws hubs::hub_error from the hub
  // greenlet.
  decltype(auto) wait() {
    owner_.check("event::wait");
    while (!ready()) {
      detail::wait_list::waiter w;
      waiters_.wait(w, -1);
    }
    return result();
  }

  // wait(timeout) is wait() for at most `timeout` seconds: throws timeout_error if the event is
  // not sent in time, std::invalid_argument for a negative or NaN timeout.
  decltype(auto) wait(double timeout) {
    if (!sent_within(timeout, "event::wait"))
      throw timeout_error("event::wait: not sent within the timeout");
    return result();
  }

  // try_wait(timeout) is wait(timeout) returning empty (false for event<void>) rather than
  // throwing when the time runs out.
  auto try_wait(double timeout) -> std::conditional_t<std::is_void_v<T>, bool, std::optional<T>> {
    sent_within(timeout, "event::try_wait");
    return poll();
  }

  // poll() returns the value if the event was sent (rethrows a sent exception), else empty.
  // Non-blocking.
  auto poll() -> std::conditional_t<std::is_void_v<T>, bool, std::optional<T>> {
    owner_.check("event::poll");
    if (!ready()) return {};
    if constexpr (std::is_void_v<T>) {
      result();
      return true;
    } else {
      return result();
    }
  }

  // ready() tells whether a value or an exception was sent.
  bool ready() const noexcept { return value_.has_value() || error_; }

  // has_exception() tells whether an exception was sent.
  bool has_exception() const noexcept { return static_cast<bool>(error_); }

  // reset() makes a sent event unsent again, so it can be sent anew. Throws std::logic_error
  // if it was not sent.
  void reset() {
    owner_.check("event::reset");
    if (!ready()) throw std::logic_error("event::reset: the event was not sent");
    value_.reset();
    error_ = nullptr;
  }

 private:
  bool sent_within(double timeout, const char* what) {
    owner_.check(what);
    if (!(timeout >= 0))
      throw std::invalid_argument(std::string(what) + ": timeout must be a number >= 0");
    if (!ready()) {
      detail::wait_list::waiter w;
      waiters_.wait(w, timeout);
    }
    return ready();
  }

  decltype(auto) result() {
    if (error_) std::rethrow_exception(error_);
    if constexpr (!std::is_void_v<T>) return static_cast<T&>(*value_);
  }

  detail::thread_owned owner_;
  hubs::remote_hub hub_;
  std::optional<stored> value_;
  std::exception_ptr error_;
  detail::wait_list waiters_{"event"};
};

}  // namespace eventlet
