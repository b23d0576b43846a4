// What the files of the hub core share: the definitions behind the hub's private pointers.
// Private to hubs/ (not installed).
#pragma once

#include <time.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../../base/errors.hpp"
#include "../../base/fd.hpp"
#include "../../base/scope_exit.hpp"
#include "../../base/wake_fd.hpp"
#include "../hub.hpp"

namespace eventlet::hubs {

// A watchdog thread. A trace function on the hub's thread counts switches and records who
// runs; when no switch happens for `limit` seconds while a greenlet other than the hub runs,
// the watchdog reports that greenlet (once per stall).
struct hub::watchdog {
  std::unique_ptr<std::thread> thread;
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  std::uint64_t switches = 0;  // guarded by mutex
  bool hub_running = true;
  std::string running;
  trace_function previous;
  blocking_reports seen;  // guarded by mutex
};

}  // namespace eventlet::hubs

namespace eventlet::hubs::detail {

// A scheduled call. A zero-delay one waits in the run queue (as a queued_call), a delayed one
// in the heap.
struct timer_entry : hubs::queued_call {
  timer_entry(void (*run)(queued_call&), void (*discard)(queued_call&))
      : queued_call(run, discard) {}
  std::int64_t deadline = 0;  // ns on the monotonic clock (delayed timers)
  std::uint64_t seq = 0;      // scheduling order, breaking deadline ties
  hub::callback fn;
  eventlet::greenlet* target = nullptr;  // switched to instead of calling fn (schedule_switch)
  hub* owner = nullptr;  // null once the hub has dropped it and a handle still holds it
  unsigned refs = 0;     // the queue's or heap's, and the timer handle's
  bool pending = false;
  bool in_heap = false;
};

struct listener {
  int fd;
  io events;
  hub::fd_callback cb;
  std::uint64_t since;     // the hub's wait count when added: only later waits wake it
  closes how;              // how its fd gets closed
  unsigned refs = 2;       // the hub's while it may call it, and the caller's until remove()
  bool registered = true;  // in its fd's lists
  bool removed = false;    // remove() was called: never called again
};

// The listeners of one fd, the interest the backend has, and the changes to apply.
struct fd_entry {
  std::vector<listener*> readers, writers;
  io registered = io::none;  // what the backend watches
  bool changed = false;      // listed in changes_
  // Lost its last listener (one whose fd may be closed raw) since the backend last heard of
  // it: the fd may have been closed and its number reused, so a new listener must be
  // registered anew even for the same events.
  bool emptied = false;

  // wanted() is what its listeners wait for.
  io wanted() const noexcept {
    return (readers.empty() ? io::none : io::read) | (writers.empty() ? io::none : io::write);
  }
};

// The part of a hub that other threads reach: callbacks for it and how to wake it. Shared with
// remote_hub handles, so it outlives the hub.
class mailbox {
 public:
  // post() queues `fn` and wakes the hub if it was idle; throws hub_error once `gone`.
  void post(hub::callback fn);

  std::mutex mutex;
  std::vector<hub::callback> calls;      // guarded by mutex
  const os::wake_fd* wake_fd = nullptr;  // guarded by mutex; null while the hub is shut down
  bool gone = false;                     // guarded by mutex; the hub's thread has exited
};

// How many finished timer entries a hub keeps for reuse.
inline constexpr std::size_t max_spare_timers = 1024;

// Thrown into the caller of hub::shutdown() while it waits for a killed greenthread that waits
// for something nothing can bring: shutdown() then abandons that greenthread.
struct shutdown_stalled {};

inline std::int64_t clock_ns(clockid_t id) noexcept {
  timespec ts;
  clock_gettime(id, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// describe() names a greenlet in messages: its name, or "unnamed greenlet at 0x...".
std::string describe(const eventlet::greenlet* g);

}  // namespace eventlet::hubs::detail
