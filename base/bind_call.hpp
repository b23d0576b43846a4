// bind_call(): a call to run later, elsewhere (in a new greenthread, on a pool thread), made
// of a function and its arguments, each copied or moved in.
#pragma once

#include <tuple>
#include <type_traits>
#include <utility>

namespace eventlet {

template <typename... T>
inline constexpr bool always_false = false;

// bind_call() makes `f(args...)` a function object taking no arguments, copying (or moving) `f`
// and the arguments into it. A type that cannot be copied (an lvalue of a move-only type) is
// refused with one clear compile error.
template <typename F, typename... A>
auto bind_call(F&& f, A&&... args) {
  if constexpr ((std::is_constructible_v<std::decay_t<F>, F&&> && ... &&
                 std::is_constructible_v<std::decay_t<A>, A&&>)) {
    return [f = std::forward<F>(f), args = std::make_tuple(std::forward<A>(args)...)]() mutable {
      return std::apply(f, std::move(args));
    };
  } else {
    static_assert(always_false<F, A...>,
                  "eventlet: the function and each argument are copied (or moved) into the new "
                  "greenthread or call, and one of them cannot be copied: pass it with "
                  "std::move(x), or with std::ref(x) if x outlives the greenthread");
    return [] {};
  }
}

}  // namespace eventlet
