// A greenthread as its hub knows it. coros/ lists each greenthread it spawns with its hub from
// spawn() until it finishes, so that hub::shutdown() can kill the ones left and
// hub::greenthreads() can list them. The hub knows nothing else of greenthreads.
#pragma once

#include <cstddef>

#include "../greenlet/greenlet.hpp"

namespace eventlet::hubs {

class task;

// The tasks of a hub, oldest first.
struct task_list {
  task* first = nullptr;
  task* last = nullptr;
  std::size_t size = 0;
};

class task {
 public:
  // task() describes the greenthread running in `g`; `kill` must raise greenlet_exit in it (or
  // finish it unstarted) and return once it has finished, as greenthread::kill() does, or
  // throw what is thrown into its caller meanwhile.
  task(eventlet::greenlet& g, void (*kill)(task&)) noexcept : greenlet_(&g), kill_(kill) {}
  ~task() { leave(); }
  task(const task&) = delete;
  task& operator=(const task&) = delete;

  // leave() takes it off its hub's list; a no-op when it is not listed.
  void leave() noexcept {
    if (!list_) return;
    (prev_ ? prev_->next_ : list_->first) = next_;
    (next_ ? next_->prev_ : list_->last) = prev_;
    --list_->size;
    list_ = nullptr;
    prev_ = next_ = nullptr;
  }

  // greenlet() is the greenlet the greenthread runs in.
  eventlet::greenlet& greenlet() const noexcept { return *greenlet_; }

 private:
  friend class hub;
  task_list* list_ = nullptr;  // the hub's list it is on, or null
  task* prev_ = nullptr;
  task* next_ = nullptr;
  eventlet::greenlet* greenlet_;
  void (*kill_)(task&);
};

}  // namespace eventlet::hubs
