#include "detail/stack.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <new>
#include <stdexcept>
#include <unordered_map>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define VALGRIND_STACK_REGISTER(start, end) 0
#endif
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102  // Linux 6.13 and later; older kernels answer EINVAL
#endif

namespace eventlet::detail {
namespace {

// Stacks are carved from slabs of about this many bytes, so a million stacks need only a few
// thousand mappings; MADV_GUARD_INSTALL guards them without splitting the slab's mapping.
constexpr std::size_t slab_bytes = std::size_t{64} << 20;

// How many freed stacks a thread keeps resident for reuse.
constexpr std::size_t hot_limit = 64;

// A stack the system would not give: std::bad_alloc, saying which limit is the likely cause.
class stack_alloc_error : public std::bad_alloc {
 public:
  explicit stack_alloc_error(const char* why) noexcept : why_(why) {}
  const char* what() const noexcept override { return why_; }

 private:
  const char* why_;
};

// The process-wide stacks of one size: the slab being carved and the stacks handed back.
struct size_class {
  char* fresh = nullptr;
  char* end = nullptr;
  std::vector<stack> cold;
};

class pool {
 public:
  stack take(std::size_t size) {
    std::lock_guard lock(mutex_);
    size_class& c = classes_[size];
    if (!c.cold.empty()) {
      stack s = c.cold.back();
      c.cold.pop_back();
      return s;
    }
    const std::size_t stride = guard_size + size;
    if (c.fresh == c.end) {
      // A whole slab, else (address space nearly used up) room for this one stack.
      std::size_t bytes = std::max<std::size_t>(1, slab_bytes / stride) * stride;
      void* p = map(bytes);
      if (p == MAP_FAILED) p = map(bytes = stride);
      if (p == MAP_FAILED)
        throw stack_alloc_error(
            "cannot map a greenlet stack: out of address space or memory (RLIMIT_AS?)");
      madvise(p, bytes, MADV_NOHUGEPAGE);  // one touched page must not become 2 MiB
      c.fresh = static_cast<char*>(p);
      c.end = c.fresh + bytes;
    }
    char* guard = c.fresh;
    install_guard(guard);
    c.fresh += stride;
    stack s{guard + guard_size, size};
    (void)VALGRIND_STACK_REGISTER(s.base, s.top());
    return s;
  }

  void give(stack s) {
    madvise(s.base, s.size, MADV_DONTNEED);
    std::lock_guard lock(mutex_);
    classes_[s.size].cold.push_back(s);
  }

 private:
  static void* map(std::size_t bytes) noexcept {
    return mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  }

  void install_guard(char* g) {
    if (guard_madvise_ && madvise(g, guard_size, MADV_GUARD_INSTALL) == 0 &&
        (guard_checked_ || honoured(g)))
      return;
    guard_madvise_ = false;  // an older kernel: a PROT_NONE mapping per stack instead
    if (mprotect(g, guard_size, PROT_NONE) != 0)
      throw stack_alloc_error(
          "cannot protect a greenlet stack's guard zone: vm.max_map_count reached? (this kernel "
          "lacks MADV_GUARD_INSTALL, so every stack takes a mapping of its own)");
  }

  // Whether the first guard really took: qemu-user, for one, accepts madvise hints it does not
  // implement. A system call reading a guarded page fails with EFAULT instead of faulting.
  bool honoured(char* g) {
    guard_checked_ = true;
    int fds[2];
    if (pipe(fds) != 0) return false;
    const bool guarded = write(fds[1], g, 1) < 0 && errno == EFAULT;
    close(fds[0]);
    close(fds[1]);
    if (!guarded) madvise(g, guard_size, MADV_DONTNEED);
    return guarded;
  }

  std::mutex mutex_;
  std::unordered_map<std::size_t, size_class> classes_;
  bool guard_madvise_ = true;
  bool guard_checked_ = false;
};

// Never destroyed: threads may hand stacks back during static destruction.
pool& process_pool() {
  static pool* p = new pool;
  return *p;
}

}  // namespace

std::size_t round_stack_size(std::size_t bytes) {
  constexpr std::size_t min = 16 * 1024, max = std::size_t{1} << 30;
  if (bytes < min || bytes > max)
    throw std::invalid_argument("greenlet stack size must be between 16 KiB and 1 GiB, got " +
                                std::to_string(bytes));
  static const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

stack_cache::stack_cache() { hot_.reserve(hot_limit); }

stack_cache::~stack_cache() {
  for (const stack& s : hot_) process_pool().give(s);
}

stack stack_cache::allocate(std::size_t size) {
  for (auto it = hot_.rbegin(); it != hot_.rend(); ++it) {
    if (it->size == size) {
      stack s = *it;
      hot_.erase(std::next(it).base());
      return s;
    }
  }
  return process_pool().take(size);
}

void stack_cache::release(stack s) noexcept {
  // The frames left on a finished greenlet's stack never returned: clear their redzones.
  ASAN_UNPOISON_MEMORY_REGION(s.base, s.size);
  if (hot_.size() < hot_limit)
    hot_.push_back(s);  // cannot throw: the constructor reserved room
  else
    process_pool().give(s);
}

}  // namespace eventlet::detail
