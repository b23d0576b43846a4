// What every blocking primitive in coros/ is built on: the greenthreads blocked on it, first
// come first served, and the check that it is used from its own thread. Private to coros/.
#pragma once

#include <cstddef>

#include "../../greenlet/greenlet.hpp"
#include "../../hubs/hub.hpp"

namespace eventlet::detail {

// The thread an object belongs to: the one that made it. Primitives are per hub thread.
class thread_owned {
 public:
  thread_owned() {
    getcurrent();  // makes this thread's greenlet state, which tls points to
    owner_ = tls->id;
  }

  // check() throws hubs::hub_error naming `what` if called from another thread.
  void check(const char* what) const {
    const switch_state* ts = tls;
    if (!ts || ts->id != owner_) [[unlikely]]
      refuse(what);
  }

 private:
  [[noreturn]] static void refuse(const char* what);
  std::uint64_t owner_;  // the thread's number: never reused, unlike its state's address
};

// The greenthreads blocked on one primitive, in the order they came. A waiter is a node in
// the blocked greenthread's own frame; waking it queues it on the hub, so it resumes on the
// next pass. A waker may hand the waiter something through `slot` (an item, a permit).
class wait_list {
 public:
  struct waiter : hubs::wakeup {
    waiter() : hubs::wakeup(getcurrent()) {}
    waiter* prev = nullptr;
    waiter* next = nullptr;
    bool listed = false;
    bool woken = false;   // picked by wake(): whatever was handed over is in `slot`
    void* slot = nullptr;
  };
  // What to do with what a woken waiter was handed if it is killed before it can take it.
  using give_back = void (*)(waiter& w, void* context);

  wait_list() = default;
  wait_list(const wait_list&) = delete;
  wait_list& operator=(const wait_list&) = delete;

  // wait() blocks the calling greenthread until wake() picks `w` (true) or `timeout` seconds
  // pass (false; negative: no limit). A waiter that was woken returns true even if its time
  // ran out meanwhile. If an exception is thrown in after it was woken, `undo` is called with
  // `context` before the exception goes on. Throws hubs::hub_error from the hub greenlet,
  // std::invalid_argument for a NaN timeout.
  bool wait(waiter& w, double timeout, give_back undo = nullptr, void* context = nullptr);

  // front() is the longest waiter, or null.
  waiter* front() const noexcept { return head_; }

  // wake() takes `w` off the list and has the hub resume it on its next pass.
  void wake(waiter* w) noexcept {
    unlink(w);
    w->woken = true;
    hubs::get_hub().queue(*w);
  }

  // wake_all() wakes every waiter.
  void wake_all() noexcept {
    while (head_) wake(head_);
  }

  bool empty() const noexcept { return !head_; }
  std::size_t size() const noexcept { return size_; }

 private:
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
};

}  // namespace eventlet::detail
