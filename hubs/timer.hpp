// timer: the handle of a call scheduled with hub::schedule_call_global() or schedule_switch().
#pragma once

#include <utility>

#include "../base/export.hpp"

namespace eventlet::hubs {

class hub;

namespace detail {
struct timer_entry;
// drop_timer() lets go of a handle's reference to its entry.
EVENTLET_API void drop_timer(timer_entry* e) noexcept;
}  // namespace detail

// A handle to a scheduled call. Dropping the handle does not cancel the call. Used on the
// hub's thread only.
class EVENTLET_API timer {
 public:
  timer() = default;
  timer(timer&& other) noexcept : entry_(std::exchange(other.entry_, nullptr)) {}
  timer& operator=(timer&& other) noexcept;
  ~timer() {
    if (entry_) detail::drop_timer(entry_);
  }

  // cancel() stops the call from happening; a no-op once it ran or was cancelled.
  void cancel() noexcept {
    if (entry_) cancel_entry();
  }

  // pending() tells whether the call is still to happen.
  bool pending() const noexcept;

 private:
  friend class hub;
  explicit timer(detail::timer_entry* e) noexcept : entry_(e) {}
  void cancel_entry() noexcept;
  detail::timer_entry* entry_ = nullptr;
};

}  // namespace eventlet::hubs
