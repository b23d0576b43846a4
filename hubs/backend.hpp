// The hub seam (after libevent's struct eventop and libuv's uv__io_poll): what a backend such
// as epoll or libev implements. The shared hub core (hub.cpp) owns everything else -- timers,
// listeners, the run loop, fd close and reuse, fork, cross-thread wake-ups -- and calls a
// backend only to change interest in fds, to wait, and to rebuild after fork.
//
// A backend knows nothing of greenlets, sockets or timers. It is used from its hub's thread
// only.
//
// Adding a backend `foo` is one new file plus one registry line:
//   1. hubs/foo.cpp implements `backend` and ends with its registry entry, constant-initialized
//      (so it exists before any constructor runs) under this fixed name:
//        extern constinit const backend_entry foo_entry{"foo", &always_usable, &make};
//      `unusable` is a function saying why foo cannot run here when that depends on more than
//      compiling (a library lacking a method, say); always_usable where it does not.
//   2. hubs/meson.build's hub_registry gets the line ['foo', <dependency>] at its place in the
//      order of preference. The dependency is what foo needs: a library's (looked up in the
//      line or just above it), in_libc when the C library has it all, or `cond ? in_libc :
//      missing` for a system call only some systems have. Where it is found, meson builds
//      foo.cpp, links the dependency, installs hubs/foo.hpp if there is one (foo's public API),
//      lists foo in registered_backends() (through EVENTLET_HUBS in the generated
//      hub_config.hpp), defines EVENTLET_HUB_FOO to 1 (else 0) there, and runs the conformance
//      suites under EVENTLET_HUB=foo.
// Nothing registers itself from a static constructor: the static library would drop an object
// that nothing refers to, and its registration with it.
#pragma once

#include <chrono>
#include <climits>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "../base/export.hpp"

namespace eventlet::hubs {

// Interest and readiness bits.
enum class io : unsigned { none = 0, read = 1, write = 2 };
constexpr io operator|(io a, io b) { return io(unsigned(a) | unsigned(b)); }
constexpr io operator&(io a, io b) { return io(unsigned(a) & unsigned(b)); }
constexpr bool any(io a) { return a != io::none; }

// One fd the kernel reported, with what it is ready for; `error` is an errno when the backend
// could not watch the fd at all (the core wakes its listeners with that error).
struct ready_fd {
  int fd;
  io events;
  int error = 0;
};

class EVENTLET_API backend {
 public:
  virtual ~backend() = default;

  // name() is the hub's name, as EVENTLET_HUB and use_hub() spell it.
  virtual std::string_view name() const noexcept = 0;

  // fd_limit() is one past the highest fd this backend can watch (select: FD_SETSIZE).
  virtual int fd_limit() const noexcept { return INT_MAX; }

  // update() changes the interest in `fd` from `from` (what it was last told) to `to` (either
  // may be io::none). The fd may have been closed and its number reused by another file since
  // the last call, so the kernel may no longer have what `from` says: update() must end with
  // `to` registered either way, and when `from` equals `to` it must register the fd anew.
  // Returns 0, or the errno that makes the fd unwatchable (EBADF for a closed fd).
  virtual int update(int fd, io from, io to) = 0;

  // wait() blocks until an fd it watches is ready or `timeout` passes (negative: no limit)
  // and appends what is ready to `out`. An interrupted wait (EINTR) returns with nothing.
  // Throws std::system_error only for failures of the backend itself.
  virtual void wait(std::chrono::nanoseconds timeout, std::vector<ready_fd>& out) = 0;

  // after_fork() rebuilds, in a forked child, the kernel state the backend shares with the
  // parent (leaving the parent's alone), and forgets every fd: the core then registers each
  // one it still watches with update(fd, io::none, events). Returns 0, or the errno that left
  // the backend unusable.
  virtual int after_fork() noexcept = 0;
};

// A registry entry: a backend's name, whether it can run here, and how to make one.
struct backend_entry {
  std::string_view name;
  // unusable() says why the backend cannot run here (the kernel or library lacks it), without
  // making one; null when it can.
  const char* (*unusable)() noexcept;
  // make() makes one; throws std::system_error when the system refuses what it needs (EMFILE).
  std::unique_ptr<backend> (*make)();
};

// always_usable() is the `unusable` of a backend that runs wherever it compiles: it returns null.
constexpr const char* always_usable() noexcept { return nullptr; }

// registered_backends() lists the backends compiled in, in order of preference.
EVENTLET_API const std::vector<backend_entry>& registered_backends();

}  // namespace eventlet::hubs
