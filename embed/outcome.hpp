// outcome<T>: what a function ended by, a value or an exception, as defer_to_green_thread()
// hands it back to loop callback code.
#pragma once

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "../greenlet/greenlet.hpp"

namespace eventlet::embed {

template <typename T>
class outcome {
 public:
  // outcome() holds `value`.
  explicit outcome(T value) : value_(std::move(value)) {}
  // outcome() holds the exception `error` (not null).
  explicit outcome(std::exception_ptr error) noexcept : error_(std::move(error)) {}

  // ok() says whether it holds a value.
  bool ok() const noexcept { return !error_; }
  // error() is the exception it holds, or null.
  const std::exception_ptr& error() const noexcept { return error_; }
  // value() returns the value, or rethrows the exception.
  T& value() {
    if (error_) std::rethrow_exception(error_);
    return *value_;
  }

 private:
  std::optional<T> value_;
  std::exception_ptr error_;
};

template <>
class outcome<void> {
 public:
  // outcome() holds success.
  outcome() noexcept = default;
  // outcome() holds the exception `error` (not null).
  explicit outcome(std::exception_ptr error) noexcept : error_(std::move(error)) {}

  // ok() says whether the function returned.
  bool ok() const noexcept { return !error_; }
  // error() is the exception it holds, or null.
  const std::exception_ptr& error() const noexcept { return error_; }
  // value() returns, or rethrows the exception.
  void value() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::exception_ptr error_;
};

// capture() calls `f` and returns what it ended by. greenlet_exit (a kill) is not captured.
template <typename F>
auto capture(F& f) -> outcome<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  try {
    if constexpr (std::is_void_v<R>) {
      f();
      return outcome<void>();
    } else {
      return outcome<R>(f());
    }
  } catch (const greenlet_exit&) {
    throw;
  } catch (...) {
    return outcome<R>(std::current_exception());
  }
}

}  // namespace eventlet::embed
