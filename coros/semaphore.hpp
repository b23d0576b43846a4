// Semaphores, like eventlet.semaphore: semaphore (unbounded), bounded_semaphore (releasing
// past the initial count is an error) and capped_semaphore (release() blocks while the count
// is at its limit).
//
//   eventlet::semaphore connections(10);
//   {
//     std::lock_guard<eventlet::semaphore> hold(connections);  // acquire(); release() on exit
//     ...
//   }
//
// lock(), unlock() and try_lock() make std::lock_guard and std::unique_lock the RAII guards.
// Blocked acquirers are served first come, first served: release() hands its unit straight to
// the longest-waiting one. An acquirer killed after it was handed a unit gives it back (to the
// next acquirer, else to the count), so no unit is lost or made; for a capped_semaphore such a
// unit may take the count past the limit until it is acquired. Non-blocking calls
// (try_acquire(), release() that need not wait, balance(), locked()) are safe from the hub
// greenlet; calls that would block there throw hubs::hub_error. A semaphore belongs to the
// thread that made it: calls from another thread throw hubs::hub_error. All three share the
// queues' engine (detail/queue_core.hpp): a semaphore is a queue of interchangeable units.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <optional>
#include <stdexcept>

#include "../base/errors.hpp"
#include "detail/queue_core.hpp"

namespace eventlet {

namespace detail {

// A semaphore's units, of which only the number matters.
struct unit {};

// The container policy of a semaphore: a count of units.
class unit_count {
 public:
  explicit unit_count(std::size_t n = 0) noexcept : n_(n) {}
  std::size_t size() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  void push(unit&&) noexcept { ++n_; }
  unit pop() noexcept {
    --n_;
    return {};
  }
  void unget(unit&&) noexcept { ++n_; }

 private:
  std::size_t n_;
};

// What the three semaphores share; they differ in their limit and in what release() does at
// the limit.
class basic_semaphore {
 public:
  basic_semaphore(const basic_semaphore&) = delete;
  basic_semaphore& operator=(const basic_semaphore&) = delete;

  // acquire() takes a unit, blocking while there is none. Throws hubs::blocking_call_error
  // from the hub greenlet.
  void acquire() {
    owner_.check("semaphore::acquire");
    core_.get(-1);
  }

  // acquire(timeout) is acquire() for at most `timeout` seconds: throws timeout_error if no
  // unit comes in time, std::invalid_argument for a negative or NaN timeout.
  void acquire(double timeout) {
    if (!try_acquire(timeout))
      throw timeout_error("semaphore::acquire: no unit came within the timeout");
  }
  template <typename B>
  requires std::same_as<B, bool>
  void acquire(B) = delete;  // Python's acquire(blocking): try_acquire() is the non-blocking one

  // try_acquire() takes a unit if one is free, without blocking; returns whether it did.
  bool try_acquire() {
    owner_.check("semaphore::try_acquire");
    return core_.try_get().has_value();
  }

  // try_acquire(timeout) is acquire(timeout) returning false rather than throwing when the time
  // runs out.
  bool try_acquire(double timeout) {
    owner_.check("semaphore::acquire");
    if (!(timeout >= 0))
      throw std::invalid_argument("semaphore::acquire: timeout must be a number >= 0");
    return core_.get(timeout).has_value();
  }

  // release() gives back a unit, to the longest-waiting acquirer if any. A bounded_semaphore
  // throws std::logic_error if that would take the count past its initial value; a
  // capped_semaphore blocks while the count is at its limit (hubs::hub_error from the hub
  // greenlet).
  void release() {
    owner_.check("semaphore::release");
    unit u;
    if (core_.try_put(u)) return;
    if (!block_at_limit_)
      throw std::logic_error(
          "bounded_semaphore::release: released more times than acquired (the count would pass "
          "its initial value)");
    core_.put(u, -1);
  }

  // balance() is the count minus the greenthreads blocked in acquire(), plus those blocked in
  // release() (capped_semaphore): positive, how many acquire() calls would not block;
  // negative, how many release() calls the blocked acquirers need.
  std::ptrdiff_t balance() const {
    owner_.check("semaphore::balance");
    return static_cast<std::ptrdiff_t>(core_.size() + core_.putting()) -
           static_cast<std::ptrdiff_t>(core_.getting());
  }

  // locked() tells whether the count is 0, so that acquire() would block.
  bool locked() const {
    owner_.check("semaphore::locked");
    return core_.empty();
  }

  // lock() is acquire() without a time limit, for std::lock_guard and std::unique_lock.
  void lock() { acquire(); }

  // unlock() is release().
  void unlock() { release(); }

  // try_lock() is try_acquire(), for std::unique_lock.
  bool try_lock() { return try_acquire(); }

 protected:
  // basic_semaphore() starts with `count` units, at most `limit` (nullopt: no limit), and
  // makes release() block (else throw) at the limit. Throws std::invalid_argument for a
  // negative count or limit, or a count above the limit.
  basic_semaphore(std::ptrdiff_t count, std::optional<std::ptrdiff_t> limit, bool block_at_limit)
      : core_("semaphore acquire", "semaphore release", checked_limit(count, limit),
              unit_count(static_cast<std::size_t>(count))),
        block_at_limit_(block_at_limit) {}

 private:
  static std::optional<std::size_t> checked_limit(std::ptrdiff_t count,
                                                  std::optional<std::ptrdiff_t> limit) {
    if (count < 0) throw std::invalid_argument("semaphore: the count must be >= 0");
    if (!limit) return std::nullopt;
    if (*limit < 0) throw std::invalid_argument("semaphore: the limit must be >= 0");
    if (count > *limit) throw std::invalid_argument("semaphore: the count is above the limit");
    return static_cast<std::size_t>(*limit);
  }

  thread_owned owner_;
  queue_core<unit, unit_count> core_;
  bool block_at_limit_;
};

}  // namespace detail

// semaphore: a count of units; acquire() takes one, blocking at 0; release() adds one.
class semaphore : public detail::basic_semaphore {
 public:
  // semaphore() starts with `count` units. Throws std::invalid_argument for a negative count.
  explicit semaphore(std::ptrdiff_t count = 1) : basic_semaphore(count, std::nullopt, false) {}
};

// bounded_semaphore: a semaphore whose release() throws std::logic_error rather than take the
// count past its initial value, which catches releases without acquires.
class bounded_semaphore : public detail::basic_semaphore {
 public:
  // bounded_semaphore() starts with (and is bounded by) `count` units. Throws
  // std::invalid_argument for a negative count.
  explicit bounded_semaphore(std::ptrdiff_t count = 1) : basic_semaphore(count, count, false) {}
};

// capped_semaphore: a semaphore whose release() blocks while the count is at `limit`, until an
// acquire() makes room (like eventlet's CappedSemaphore).
class capped_semaphore : public detail::basic_semaphore {
 public:
  // capped_semaphore() starts with `count` units, at most `limit`. Throws
  // std::invalid_argument for a negative count or limit, or a count above the limit.
  capped_semaphore(std::ptrdiff_t count, std::ptrdiff_t limit)
      : basic_semaphore(count, limit, true) {}
};

}  // namespace eventlet
