// Timeouts for any blocking code, like eventlet.Timeout:
//
//   try {
//     eventlet::timeout t(2.5);
//     sock.recv(...);             // anything that blocks
//   } catch (const eventlet::timeout_error& e) { ... }
//
// Nested timeouts each throw their own timeout_error: e.source() == t.id() tells which fired.
#pragma once

#include <cstdint>
#include <exception>
#include <utility>

#include "../base/export.hpp"
#include "../hubs/hub.hpp"

namespace eventlet {

class EVENTLET_API timeout {
 public:
  // timeout() arms a timer that throws timeout_error in the calling greenthread after
  // `seconds`, unless cancelled first; a negative time never fires. Throws hubs::hub_error in
  // the hub greenlet, std::invalid_argument for NaN.
  explicit timeout(double seconds);

  // ~timeout() cancels it.
  ~timeout() { cancel(); }

  timeout(const timeout&) = delete;
  timeout& operator=(const timeout&) = delete;

  // cancel() disarms it; a cancelled timeout never fires.
  void cancel() noexcept { timer_.cancel(); }

  // pending() tells whether it is armed and has not fired.
  bool pending() const noexcept { return timer_.pending(); }

  // id() is the value source() has in the timeout_error it throws.
  std::uint64_t id() const noexcept { return id_; }

 private:
  std::uint64_t id_;
  hubs::timer timer_;
};

// with_timeout() returns f(); if `seconds` pass first, it throws timeout_error.
template <typename F>
auto with_timeout(double seconds, F&& f) {
  timeout t(seconds);
  return std::forward<F>(f)();
}

// with_timeout() returns f(), or `fallback` if `seconds` pass first.
template <typename F, typename T>
auto with_timeout(double seconds, F&& f, T fallback) {
  timeout t(seconds);
  try {
    return std::forward<F>(f)();
  } catch (const timeout_error& e) {
    if (e.source() != t.id()) throw;  // an outer timeout's
    return fallback;
  }
}

// exc_after() (the seed's name) throws `e` in the calling greenthread after `seconds` unless
// the returned timer is cancelled first, or the greenthread has finished by then. Prefer
// timeout, which cancels itself.
EVENTLET_API hubs::timer exc_after(double seconds, std::exception_ptr e);

}  // namespace eventlet
