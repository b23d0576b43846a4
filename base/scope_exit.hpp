// scope_exit: runs a function when the scope it guards is left, by return or by exception
// (the std::experimental::scope_exit of the Library Fundamentals TS, without release()).
//
//   auto restore = eventlet::scope_exit([&] { busy = false; });
#pragma once

#include <utility>

namespace eventlet {

template <typename F>
class [[nodiscard]] scope_exit {
 public:
  explicit scope_exit(F fn) noexcept(noexcept(F(std::move(fn)))) : fn_(std::move(fn)) {}
  scope_exit(const scope_exit&) = delete;
  scope_exit& operator=(const scope_exit&) = delete;
  // ~scope_exit() runs the function; it must not throw.
  ~scope_exit() { fn_(); }

 private:
  F fn_;
};

}  // namespace eventlet
