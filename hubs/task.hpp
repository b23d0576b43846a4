// A greenthread as its hub knows it. coros/ lists each greenthread it spawns with its hub from
// spawn() until it finishes, so that hub::shutdown() can kill the ones left and
// hub::greenthreads() can list them; each wait records what it waits on (wait_note), so that a
// listing (eventlet::debug, the backdoor console) can tell what every greenthread is doing.
#pragma once

#include <cstddef>
#include <cstdint>

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

  // id() numbers the greenthread on its hub, from 1 in the order they were listed.
  std::uint64_t id() const noexcept { return id_; }

  // born() is when it was listed: the hub's coarse clock (seconds, as hub::clock()) at the
  // hub's last poll, so an age is exact to a loop pass or a clock tick.
  double born() const noexcept { return static_cast<double>(born_ns_) * 1e-9; }

  // waits_on() says what the greenthread waits on while it is suspended in a recorded wait:
  // "fd read", "fd write", "fd read/write" (with wait_fd()), "sleep", "greenthread", or the
  // kind of coros primitive ("event", "queue get", "semaphore acquire", ...); null otherwise.
  const char* waits_on() const noexcept { return waits_on_; }
  int wait_fd() const noexcept { return wait_fd_; }

  // kill() kills the greenthread as greenthread::kill() does and returns once it has finished;
  // throws what is thrown into the caller meanwhile.
  void kill() { kill_(*this); }

 private:
  friend class hub;
  friend class wait_note;
  task_list* list_ = nullptr;  // the hub's list it is on, or null
  task* prev_ = nullptr;
  task* next_ = nullptr;
  eventlet::greenlet* greenlet_;
  void (*kill_)(task&);
  std::uint64_t id_ = 0;
  std::int64_t born_ns_ = 0;
  const char* waits_on_ = nullptr;
  int wait_fd_ = -1;
};

// wait_note records, for its lifetime, what the greenthread running in `g` waits on (see
// task::waits_on(); `what` must be a string literal); nothing for a greenlet that is not a
// greenthread. What each wait costs: a load, a branch and three stores.
class wait_note {
 public:
  wait_note(eventlet::greenlet* g, const char* what, int fd = -1) noexcept : task_(g->task()) {
    if (task_) {
      task_->waits_on_ = what;
      task_->wait_fd_ = fd;
    }
  }
  ~wait_note() {
    if (task_) task_->waits_on_ = nullptr;
  }
  wait_note(const wait_note&) = delete;
  wait_note& operator=(const wait_note&) = delete;

 private:
  task* task_;
};

}  // namespace eventlet::hubs
