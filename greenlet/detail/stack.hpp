// Greenlet stacks: mmap'd slabs of fixed-size stacks, each below a guard zone, with a per-thread
// cache of recently freed ("hot") stacks. Private to greenlet/.
#pragma once

#include <cstddef>
#include <vector>

namespace eventlet::detail {

// One stack: usable bytes [base, base + size); the guard zone lies just below base.
struct stack {
  char* base = nullptr;
  std::size_t size = 0;
  char* top() const noexcept { return base + size; }
};

// Bytes of the guard zone below every stack: a fault there is a stack overflow.
inline constexpr std::size_t guard_size = 64 * 1024;

// round_stack_size() returns `bytes` rounded up to whole pages; throws std::invalid_argument
// below 16 KiB or above 1 GiB.
std::size_t round_stack_size(std::size_t bytes);

// A thread's cache of freed stacks whose pages are still resident, so reusing one costs no
// system call and no page fault. Destroying it hands its stacks back to the process pool.
class stack_cache {
 public:
  stack_cache();
  stack_cache(const stack_cache&) = delete;
  stack_cache& operator=(const stack_cache&) = delete;
  ~stack_cache();

  // allocate() returns a stack of `size` bytes (as rounded by round_stack_size()), a cached one
  // when it can; throws std::bad_alloc, saying why, when the system refuses memory.
  stack allocate(std::size_t size);

  // release() takes back a stack no greenlet runs on; past the cache's bound the stack's pages
  // are returned to the system and the stack goes back to the process pool.
  void release(stack s) noexcept;

 private:
  std::vector<stack> hot_;
};

// in_guard() tells whether `addr` lies in the guard zone below `s`.
inline bool in_guard(const stack& s, const void* addr) noexcept {
  auto a = static_cast<const char*>(addr);
  return s.base && a < s.base && a >= s.base - guard_size;
}

}  // namespace eventlet::detail
