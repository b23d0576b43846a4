// The C library's own definitions of the calls libeventlet_patch interposes: found once with
// dlsym(RTLD_NEXT), the next definition after ours in the lookup order, never ours again.
#pragma once
#include <atomic>

namespace eventlet::patch::detail {

// next_symbol() is the next definition of `name` after this library's; it aborts the program
// with a message when there is none (a C library without the call cannot run the program).
void* next_symbol(const char* name) noexcept;

// real<F> holds the next definition of one call, found on first use.
template <typename F>
struct real {
  const char* name;
  std::atomic<F*> fn{nullptr};

  F* get() noexcept {
    F* f = fn.load(std::memory_order_relaxed);
    if (!f) [[unlikely]] {
      f = reinterpret_cast<F*>(next_symbol(name));
      fn.store(f, std::memory_order_relaxed);
    }
    return f;
  }
  // The call. Found, it is the caller's last act (a tail call where the caller's is: neither
  // this nor the caller may be noexcept, which would keep a frame to stop an unwinding); the
  // first call finds it out of line, so that the others need no frame for it.
  template <typename... A>
  auto operator()(A... args) {
    if (F* f = fn.load(std::memory_order_relaxed)) [[likely]]
      return f(args...);
    return first_call(args...);
  }
  template <typename... A>
  [[gnu::noinline]] auto first_call(A... args) {
    return get()(args...);
  }
};

}  // namespace eventlet::patch::detail
