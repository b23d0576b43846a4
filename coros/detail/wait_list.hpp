// What every blocking primitive in coros/ is built on: the greenthreads blocked on it, first
// come first served, and the check that it is used from its own thread. Private to coros/.
#pragma once

#include <cstddef>

#include "../../base/export.hpp"
#include "../../greenlet/greenlet.hpp"
#include "../../hubs/hub.hpp"

namespace eventlet::detail {

// The thread an object belongs to: the one that made it. Primitives are per hub thread.
class EVENTLET_API thread_owned {
 public:
  thread_owned() {
    getcurrent();  // makes this thread's greenlet state, which numbers the thread
    owner_ = current_thread_id();
  }

  // check() throws hubs::hub_error naming `what` if called from another thread.
  void check(const char* what) const {
    if (current_thread_id() != owner_) [[unlikely]]
      refuse(what);
  }

 private:
  [[noreturn]] static void refuse(const char* what);
  std::uint64_t owner_;  // the thread's number: never reused, unlike its state's address
};

// The greenthreads blocked on one primitive, in the order they came. A waiter is a node in
// the blocked greenthread's own frame; waking it queues it on the hub, so it resumes on the
// next pass. A waker may hand the waiter something through `slot` (an item, a permit).
//
// Direct hand-off: a greenthread that woke a waiter while the hub had nothing else to run, and
// then blocks in wait(), switches straight to that waiter (taking its wake-up off the hub's
// run queue) rather than to the hub, which would switch there next anyway. Order is kept:
// anything queued after the waiter still runs after it. Fairness: timers that fall due and
// fds that become ready wait for the hub's next pass, and after max_handoffs direct switches
// in a row the next wait() goes through the hub, which makes that pass.
class EVENTLET_API wait_list {
 public:
  struct waiter : hubs::wakeup {
    waiter() : waiter(getcurrent()) {}
    explicit waiter(eventlet::greenlet* g) : hubs::wakeup(g), self(g) {}
    eventlet::greenlet* self;  // the blocked greenlet
    waiter* prev = nullptr;
    waiter* next = nullptr;
    bool listed = false;
    bool woken = false;  // picked by wake(): whatever was handed over is in `slot`
    void* slot = nullptr;
  };
  // What to do with what a woken waiter was handed if it is killed before it can take it.
  using give_back = void (*)(waiter& w, void* context);

  // wait_list() names what its waiters wait on, as listings show it (hubs::task::waits_on()):
  // `what` must be a string literal ("event", "queue get", ...).
  explicit wait_list(const char* what) noexcept : what_(what) {}
  wait_list(const wait_list&) = delete;
  wait_list& operator=(const wait_list&) = delete;

  // wait() blocks the calling greenthread until wake() picks `w` (true) or `timeout` seconds
  // pass (false; negative: no limit; zero: false at once, without suspending, so that a poll
  // works anywhere, a loop callback included). A waiter that was woken returns true even if
  // its time ran out meanwhile. If an exception is thrown in after it was woken, `undo` is
  // called with `context` before the exception goes on. Throws hubs::blocking_call_error
  // naming the wait from the hub greenlet or a joined loop's, std::invalid_argument for a NaN
  // timeout.
  bool wait(waiter& w, double timeout, give_back undo = nullptr, void* context = nullptr);

  // front() is the longest waiter, or null.
  waiter* front() const noexcept { return head_; }

  // wake() takes `w` off the list and has the hub resume it on its next pass (or the caller,
  // if it blocks in wait() before then, by a direct hand-off).
  void wake(waiter* w) noexcept {
    unlink(w);
    w->woken = true;
    hubs::hub& h = hubs::get_hub();
    if (h.idle()) handoff = {w, getcurrent(), handoff.streak};
    h.queue(*w);
  }

  // wake_all() wakes every waiter.
  void wake_all() noexcept {
    while (head_) wake(head_);
  }

  bool empty() const noexcept { return !head_; }
  std::size_t size() const noexcept { return size_; }

  // hand_off() tells whether the calling thread may switch straight to a greenlet it made
  // runnable rather than through the hub, and counts the switch: not after max_handoffs in a
  // row. Greenthreads use it too, to start the one waited for and to finish into its waiter.
  static bool hand_off() noexcept {
    if (handoff.streak >= max_handoffs) return false;
    ++handoff.streak;
    return true;
  }

  // through_hub() notes a switch to the hub, which makes a pass before it resumes anything
  // woken meanwhile: hand-offs may start again.
  static void through_hub() noexcept { handoff.streak = 0; }

 private:
  // The calling thread's candidate for a direct hand-off: a waiter that `by` woke while the hub
  // was idle, until that waiter's wait() returns; and the direct switches in a row.
  struct handoff_state {
    waiter* next;
    eventlet::greenlet* by;
    unsigned streak;
  };
  static constexpr unsigned max_handoffs = 16;
  [[gnu::tls_model("initial-exec")]] static constinit thread_local handoff_state handoff;

  // Suspends the greenlet of `w` (the caller) until something resumes it: the waiter it woke
  // while the hub was idle, directly, or else the hub.
  static void suspend(hubs::hub& h, waiter& w);
  void unlink(waiter* w) noexcept {
    (w->prev ? w->prev->next : head_) = w->next;
    (w->next ? w->next->prev : tail_) = w->prev;
    w->prev = w->next = nullptr;
    w->listed = false;
    --size_;
  }

  waiter* head_ = nullptr;
  waiter* tail_ = nullptr;
  std::size_t size_ = 0;
  const char* what_;
};

}  // namespace eventlet::detail
