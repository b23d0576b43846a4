// Calls the hub runs on its next loop pass, owned by whoever queues them so that queuing
// allocates nothing: hub::queue(q) puts one at the end of the run queue.
#pragma once

#include "../greenlet/greenlet.hpp"

namespace eventlet::hubs {

class hub;

// An entry of the hub's run queue: hub::queue() makes the hub call `run` with it on its next
// loop pass. A hub shut down with the call still queued calls `discard` instead, if given, to
// release what the call holds. Destroying it, or cancel(), takes it out of the queue. Used on
// the hub's thread only.
class queued_call {
 public:
  explicit queued_call(void (*run)(queued_call&), void (*discard)(queued_call&) = nullptr) noexcept
      : run_(run), discard_(discard) {}
  ~queued_call() { cancel(); }
  queued_call(const queued_call&) = delete;
  queued_call& operator=(const queued_call&) = delete;

  // cancel() takes it out of the queue, if it is there.
  void cancel() noexcept {
    if (!next_) return;
    prev_->next_ = next_;
    next_->prev_ = prev_;
    prev_ = next_ = nullptr;
  }

  // is_queued() tells whether the hub has yet to run it.
  bool is_queued() const noexcept { return next_ != nullptr; }

 private:
  friend class hub;
  queued_call* prev_ = nullptr;
  queued_call* next_ = nullptr;
  void (*run_)(queued_call&);
  void (*discard_)(queued_call&);
};

// A queued switch to a greenlet: how a waiting greenthread has the hub resume it on the next
// pass, for the price of four pointer stores.
class wakeup : public queued_call {
 public:
  explicit wakeup(eventlet::greenlet* g) noexcept : queued_call(&resume), greenlet_(g) {}

 private:
  friend class hub;
  static void resume(queued_call& q) { static_cast<wakeup&>(q).greenlet_->switch_to(); }
  eventlet::greenlet* greenlet_;
};

}  // namespace eventlet::hubs
