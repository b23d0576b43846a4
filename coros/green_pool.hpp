// green_pool: a pool of greenthreads, like eventlet.GreenPool: at most size() of its
// greenthreads run at once, and spawning on a full pool blocks until one finishes.
//
//   eventlet::green_pool pool(100);
//   for (int fd : clients) pool.spawn_n(serve, fd);  // blocks while 100 are being served
//   pool.waitall();
//
// Blocked spawners are served first come, first served: a finishing greenthread hands its slot
// to the longest-waiting one. A spawner killed (or timed out) after it was handed a slot gives
// it on, so no slot is lost. Spawning is reentrant, as in eventlet: when the pool is full and
// the caller is one of its own greenthreads, spawn() and spawn_n() call the function right
// there, as a plain call, instead of waiting for a slot the caller may itself be holding.
// Non-blocking calls (spawning while a slot is free, resize(), free(), ...) are safe from the
// hub greenlet; calls that would block there throw hubs::hub_error. A pool belongs to the thread
// that made it: calls from another thread throw hubs::hub_error.
//
// Destroying a pool kills the greenthreads it still runs, as killall() does (each unwinds; one
// not yet started never runs), and returns once they have finished; call waitall() first to let
// them finish instead. Their handles stay valid (wait() rethrows greenlet_exit). A greenthread
// of the pool that destroys it runs on, no longer counted. Greenthreads blocked in waitall()
// return. Like a mutex, a pool must outlive the other calls made on it: no greenthread may be
// blocked in its spawn() when it is destroyed.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "../base/export.hpp"
#include "../base/pool_listing.hpp"
#include "detail/wait_list.hpp"
#include "greenthread.hpp"

namespace eventlet {

class green_pool;
template <typename T>
class green_pile;

namespace detail {

// kill_from_destructor() kills `gt` for a destructor: an exception thrown into the caller
// meanwhile (its timeout, say) cannot leave a destructor, so it is reported by the hub's
// exception handler and dropped.
template <typename R>
void kill_from_destructor(greenthread<R>& gt, const char* where) noexcept {
  try {
    gt.kill();
  } catch (...) {
    hubs::get_hub().report_exception(std::current_exception(), where);
  }
}

// A greenthread of a green_pool, listed in the pool until it finishes, so that the pool knows
// its own greenthreads and can kill them. Deleted by green_pool::finished().
class EVENTLET_API pool_member {
 public:
  virtual ~pool_member() = default;
  virtual void kill() noexcept = 0;

  eventlet::greenlet* greenlet = nullptr;
  green_pool* pool = nullptr;  // null once the pool has let it go
  pool_member* prev = nullptr;
  pool_member* next = nullptr;
  bool killed = false;  // by the pool's destructor
};

template <typename R>
class pool_member_of final : public pool_member {
 public:
  void kill() noexcept override { kill_from_destructor(*thread, "green_pool::~green_pool"); }
  std::optional<greenthread<R>> thread;
};

// call_here() is green_pool::spawn() on a full pool from one of its own greenthreads: it calls
// `call` as a plain call (its exceptions propagate) and returns a greenthread that only hands
// over the result.
template <typename R, typename C>
greenthread<R> call_here(C& call) {
  if constexpr (std::is_void_v<R>) {
    call();
    return eventlet::spawn([] {});
  } else {
    return eventlet::spawn([result = call()]() mutable -> R { return std::move(result); });
  }
}

}  // namespace detail

class EVENTLET_API green_pool {
 public:
  // green_pool() makes a pool that runs at most `size` greenthreads at once, owned by the
  // calling thread. Throws std::invalid_argument for a size of 0.
  explicit green_pool(std::size_t size = 1000);

  // ~green_pool() kills the greenthreads the pool still runs and returns once they have
  // finished (see the top of this file).
  ~green_pool();

  green_pool(const green_pool&) = delete;
  green_pool& operator=(const green_pool&) = delete;

  // spawn() runs `f(args...)` in a new greenthread of the pool and returns its handle, first
  // blocking while the pool is full; from one of the pool's own greenthreads a full pool calls
  // `f` right there instead (its exceptions propagate) and returns a greenthread holding the
  // result. Throws hubs::hub_error from the hub greenlet if it would block.
  template <typename F, typename... A>
  auto spawn(F&& f, A&&... args) {
    owner_.check("green_pool::spawn");
    auto call = bind_call(std::forward<F>(f), std::forward<A>(args)...);
    using R = std::invoke_result_t<decltype(call)&>;
    if (!take_slot()) return detail::call_here<R>(call);
    return start(std::move(call));
  }

  // spawn_n() is spawn() without a handle: what the function throws is reported by the hub's
  // exception handler, naming the greenthread, as eventlet::spawn_n() does (when it is called
  // right there, from one of the pool's own greenthreads, its exceptions propagate instead).
  template <typename F, typename... A>
  void spawn_n(F&& f, A&&... args) {
    owner_.check("green_pool::spawn_n");
    auto call = bind_call(std::forward<F>(f), std::forward<A>(args)...);
    if (!take_slot()) {
      call();
      return;
    }
    start(std::move(call));
  }

  // waitall() blocks until none of the pool's greenthreads runs and no spawn() waits for a
  // slot. Throws std::logic_error from one of the pool's own greenthreads (it would wait for
  // itself), hubs::hub_error from the hub greenlet if it would block.
  void waitall();

  // resize() changes how many greenthreads may run at once: growing starts blocked spawners at
  // once; shrinking lets the running ones finish, and starts new ones only below the new size.
  // Throws std::invalid_argument for 0.
  void resize(std::size_t size);

  // size() is how many greenthreads may run at once.
  std::size_t size() const {
    owner_.check("green_pool::size");
    return size_;
  }

  // running() is the number of the pool's greenthreads that have not finished (started or not).
  std::size_t running() const {
    owner_.check("green_pool::running");
    return running_;
  }

  // free() is the number of spawn() calls that would not block now.
  std::size_t free() const {
    owner_.check("green_pool::free");
    return in_use_ < size_ ? size_ - in_use_ : 0;
  }

  // waiting() is the number of greenthreads blocked in spawn(), waiting for a slot.
  std::size_t waiting() const {
    owner_.check("green_pool::waiting");
    return spawners_.size();
  }

  // listing() is how the pool shows among the thread's pools (base/pool_listing.hpp), with
  // its size, running, free and waiting figures: name it there.
  pool_listing& listing() noexcept { return listing_; }

 private:
  // take_slot() takes a slot for a new greenthread, first waiting while the pool is full;
  // returns false, taking none, when the pool is full and the caller is one of its own.
  bool take_slot();

  // start() spawns `call` in the slot the caller took and lists it as a member until it
  // finishes. The member leaves through the greenthread's finish hook, which also sees it end
  // without running: killed before it starts (by a handle, a listing's kill or the destructor), or
  // refused a stack.
  template <typename C>
  auto start(C&& call) {
    using R = std::invoke_result_t<C&>;
    detail::pool_member_of<R>* m = nullptr;
    try {
      m = new detail::pool_member_of<R>;
      m->thread.emplace(eventlet::spawn(std::forward<C>(call)));
      // The pool's hook does not count as looking at the outcome.
      detail::on_finish(*m->thread, &member_finished, m);
    } catch (...) {  // out of memory: the greenthread, if made, has not started and never will
      if (m && m->thread) m->thread->kill();
      delete m;
      release_slot();
      throw;
    }
    m->greenlet = m->thread->greenlet();
    enlist(m);
    return *m->thread;
  }

  // finished() is called when a member's greenthread finishes: it takes the member off its
  // pool's list, gives back its slot and deletes it.
  static void finished(detail::pool_member* m) noexcept;
  static void member_finished(void* m) noexcept { finished(static_cast<detail::pool_member*>(m)); }

  void enlist(detail::pool_member* m) noexcept;
  bool is_member(const eventlet::greenlet* g) const noexcept;

  // release_slot() gives back a slot: to the longest-waiting spawner that may run, else to the
  // free ones; wakes waitall() when the pool goes idle.
  void release_slot() noexcept;

  // admit() hands free slots to blocked spawners while the pool has room.
  void admit() noexcept;

  // What a spawner killed after it was handed a slot does with it.
  static void give_back(detail::wait_list::waiter&, void* pool) noexcept;

  detail::thread_owned owner_;
  std::size_t size_;
  std::size_t in_use_ = 0;   // slots taken: members, and spawners handed a slot not yet used
  std::size_t running_ = 0;  // members
  detail::pool_member* members_ = nullptr;
  detail::wait_list spawners_{"green_pool spawn"};  // blocked in spawn(), waiting for a slot
  detail::wait_list idlers_{"green_pool waitall"};  // blocked in waitall()
  pool_listing listing_{"green_pool", [this] {
                          return stats_list{{"size", size_},
                                            {"running", running_},
                                            {"free", in_use_ < size_ ? size_ - in_use_ : 0},
                                            {"waiting", spawners_.size()}};
                        }};
};

}  // namespace eventlet
