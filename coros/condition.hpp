// condition: a condition variable for greenthreads, like Python's threading.Condition, over
// any lock with lock() and unlock() (a semaphore, std::unique_lock<semaphore>, ...).
//
//   eventlet::semaphore lock;
//   eventlet::condition ready;
//   std::deque<job> jobs;
//   // consumer                                  // producer
//   std::lock_guard g(lock);                      std::lock_guard g(lock);
//   ready.wait(lock, [&] { return !jobs.empty(); });  jobs.push_back(j);
//   take(jobs);                                   ready.notify();
//
// wait() releases the lock, sleeps until notified and takes the lock again before it returns,
// also when it throws (a timeout, a kill). Waiters are woken first come, first served. A
// waiter that was notified but is killed before it resumes passes the notification on to the
// next waiter. With a timeout, wait() throws timeout_error when the time runs out and
// try_wait() returns false instead. A condition belongs to the thread that made it: calls from
// another thread throw hubs::hub_error; a wait from the hub greenlet throws hubs::hub_error.
#pragma once

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

#include "../base/errors.hpp"
#include "detail/wait_list.hpp"

namespace eventlet {

class condition {
 public:
  condition() = default;
  condition(const condition&) = delete;
  condition& operator=(const condition&) = delete;

  // wait() releases `lock` (which the caller holds), waits until notified and takes `lock`
  // again. Throws hubs::hub_error from the hub greenlet or another thread.
  template <typename Lock>
  void wait(Lock& lock) {
    suspend(lock, -1, "condition::wait");
  }

  // wait(lock, timeout) is wait() for at most `timeout` seconds: throws timeout_error if no
  // notification comes in time, std::invalid_argument for a negative or NaN timeout.
  template <typename Lock>
  void wait(Lock& lock, double timeout) {
    if (!try_wait(lock, timeout))
      throw timeout_error("condition::wait: not notified within the timeout");
  }

  // try_wait() is wait(lock, timeout) returning false rather than throwing when the time
  // runs out.
  template <typename Lock>
  bool try_wait(Lock& lock, double timeout) {
    return suspend(lock, checked(timeout, "condition::try_wait"), "condition::try_wait");
  }

  // wait(lock, pred) waits until `pred()` is true, checking it with the lock held: at once,
  // then after each notification.
  template <typename Lock, typename Pred>
  void wait(Lock& lock, Pred pred) {
    while (!pred()) wait(lock);
  }

  // wait(lock, timeout, pred) is wait(lock, pred) for at most `timeout` seconds in all:
  // throws timeout_error if `pred()` is still false then.
  template <typename Lock, typename Pred>
  void wait(Lock& lock, double timeout, Pred pred) {
    if (!try_wait(lock, timeout, std::move(pred)))
      throw timeout_error("condition::wait: the predicate stayed false for the whole timeout");
  }

  // try_wait(lock, timeout, pred) is wait(lock, timeout, pred) returning `pred()`'s last
  // value rather than throwing.
  template <typename Lock, typename Pred>
  bool try_wait(Lock& lock, double timeout, Pred pred) {
    const double deadline = hubs::hub::clock() + checked(timeout, "condition::try_wait");
    while (!pred()) {
      const double left = deadline - hubs::hub::clock();
      if (left <= 0 || !suspend(lock, left, "condition::try_wait")) return pred();
    }
    return true;
  }

  // notify() wakes up to `n` waiters (Python's notify(n)). Non-blocking: safe from the hub
  // greenlet. Throws hubs::hub_error from another thread.
  void notify(std::size_t n = 1) {
    owner_.check("condition::notify");
    for (; n > 0 && !waiters_.empty(); --n) waiters_.wake(waiters_.front());
  }

  // notify_all() wakes every waiter.
  void notify_all() {
    owner_.check("condition::notify_all");
    waiters_.wake_all();
  }

  // waiting() is the number of greenthreads waiting.
  std::size_t waiting() const noexcept { return waiters_.size(); }

 private:
  static double checked(double timeout, const char* what) {
    if (std::isnan(timeout) || timeout < 0)
      throw std::invalid_argument(std::string(what) + ": timeout must be a number >= 0");
    return timeout;
  }

  // suspend() releases `lock`, waits (timeout < 0: no limit), and takes `lock` again; returns
  // whether it was notified.
  template <typename Lock>
  bool suspend(Lock& lock, double timeout, const char* what) {
    owner_.check(what);
    hubs::get_hub().check_can_block(what);
    detail::wait_list::waiter w;
    lock.unlock();
    bool notified = false;
    try {
      notified = waiters_.wait(w, timeout, &pass_on, this);
    } catch (...) {
      lock.lock();  // what it throws (a second kill) replaces the first exception
      throw;
    }
    lock.lock();
    return notified;
  }

  // A waiter notified, then killed before it resumed: the notification goes to the next one.
  static void pass_on(detail::wait_list::waiter&, void* self) {
    auto* c = static_cast<condition*>(self);
    if (!c->waiters_.empty()) c->waiters_.wake(c->waiters_.front());
  }

  detail::thread_owned owner_;
  detail::wait_list waiters_{"condition"};
};

}  // namespace eventlet
