// class hub: the event loop every "blocking" call switches into. One hub per OS thread, made
// on first use by get_hub(). The hub runs in a greenlet of its own; a greenthread that would
// block registers interest (a listener or a timer) and switches to the hub, which switches
// back when the fd is ready or the timer is due.
//
// The hub core owns the run loop, the timers, the fd listeners and everything else; a backend
// (backend.hpp) only watches fds. Which backend: use_hub() > EVENTLET_HUB > get_default_hub().
#pragma once

#include <any>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../greenlet/greenlet.hpp"
#include "backend.hpp"

namespace eventlet {

// timeout_error is thrown when time runs out: by a timeout object (source() is that object's
// id) or by a blocking call's own timeout argument (source() is 0).
class timeout_error : public std::runtime_error {
 public:
  explicit timeout_error(const std::string& what = "timed out", std::uint64_t source = 0)
      : std::runtime_error(what), source_(source) {}
  std::uint64_t source() const noexcept { return source_; }

 private:
  std::uint64_t source_;
};

}  // namespace eventlet

namespace eventlet::hubs {

// hub_error reports a misuse of the hub: a blocking call from the hub greenlet, a second
// reader of one fd, an fd the backend cannot watch, an unknown hub name.
class hub_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class hub;

namespace detail {
struct timer_entry;
struct listener;
// The calling thread's hub, null until made; get_hub() reads it.
[[gnu::tls_model("initial-exec")]] extern constinit thread_local hub* tls_hub;
hub& make_hub();
}  // namespace detail

// A handle to a scheduled call. Dropping the handle does not cancel the call.
class timer {
 public:
  timer() = default;
  timer(timer&& other) noexcept : entry_(std::exchange(other.entry_, nullptr)) {}
  timer& operator=(timer&& other) noexcept;
  ~timer();

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

// A registered interest in an fd, as returned by hub::add().
using listener = detail::listener;

// An entry of the hub's run queue owned by whoever queues it, so that queuing allocates
// nothing: hub::queue() makes the hub call `run` with it on its next loop pass. A hub destroyed
// with the call still queued calls `discard` instead, if given, to release what the call holds.
// Destroying it, or cancel(), takes it out of the queue. Used on the hub's thread only.
class queued_call {
 public:
  explicit queued_call(void (*run)(queued_call&),
                       void (*discard)(queued_call&) = nullptr) noexcept
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

class hub {
 public:
  using callback = std::function<void()>;
  // A listener's callback: `error` is 0 when the fd is ready, else an errno (EBADF when the fd
  // was closed through notify_close(), or why the backend cannot watch it).
  using fd_callback = std::function<void(int error)>;
  // Where exceptions escaping timer and listener callbacks go; by default, to stderr.
  using exception_handler = std::function<void(std::exception_ptr, std::string_view where)>;
  // What blocking detection reports: the greenlet's name and how long it has blocked.
  using blocking_reporter = std::function<void(std::string_view greenlet, double seconds)>;

  // hub() makes a hub for the calling thread on `backend`.
  explicit hub(std::unique_ptr<backend> backend);
  ~hub();
  hub(const hub&) = delete;
  hub& operator=(const hub&) = delete;

  // name() is the backend's name ("epoll", "libev", ...).
  std::string_view name() const noexcept;

  // clock() is the monotonic clock the hub's timers use, in seconds.
  static double clock() noexcept;

  // schedule_call_global() calls `fn` in the hub greenlet after `seconds` (0: on the next
  // loop pass, after what is already scheduled). Calls with equal deadlines run in the order
  // scheduled; a call scheduled by a running call runs on a later pass. Throws
  // std::invalid_argument for a NaN delay; a negative delay counts as 0.
  timer schedule_call_global(double seconds, callback fn);

  // schedule_switch() switches from the hub to `g` after `seconds`, as schedule_call_global()
  // with a callback doing g->switch_to() would, only cheaper: what a waiting greenthread uses.
  timer schedule_switch(double seconds, eventlet::greenlet* g);

  // queue() puts `q` at the end of the run queue (first taking it out if it is queued): the
  // hub runs it on its next pass, in order with zero-delay timers.
  void queue(queued_call& q) noexcept {
    q.cancel();
    q.prev_ = run_queue_.prev_;
    q.next_ = &run_queue_;
    run_queue_.prev_->next_ = &q;
    run_queue_.prev_ = &q;
  }

  // add() calls `cb` in the hub greenlet whenever `fd` is ready for `events` (io::read,
  // io::write or both), until remove(). Throws hub_error for a negative fd, an fd the backend
  // cannot watch (select: fd >= FD_SETSIZE), or a second reader (writer) of one fd unless
  // set_prevent_multiple_readers(false).
  listener* add(io events, int fd, fd_callback cb);

  // remove() ends a listener; it is not called afterwards. Safe from within its callback.
  void remove(listener* l) noexcept;

  // notify_close() tells the hub that `fd` is about to be closed: its listeners are removed
  // and called with EBADF on the next pass, and the backend forgets the fd (so a new fd with
  // the same number never wakes them). Call it before close(2).
  void notify_close(int fd);

  // switch_() suspends the calling greenthread (or the main greenlet) and runs the hub until
  // something switches back; returns the value switched back with. Throws hub_error when
  // called from the hub greenlet itself: blocking calls are not allowed in hub callbacks.
  std::any switch_() {
    eventlet::greenlet* g = greenlet_.get();
    if (getcurrent() == g) [[unlikely]]
      refuse_blocking();
    if (g->dead()) [[unlikely]] {
      ensure_greenlet();
      g = greenlet_.get();
    }
    return g->switch_to();
  }

  // run() runs the loop in the hub greenlet until abort(); call it from the main greenlet.
  void run();

  // abort() makes the loop stop after its current pass; the hub greenlet then returns to the
  // main greenlet. Timers and listeners are kept: the next switch_() runs the loop again.
  void abort() noexcept;

  // timer_count() is the number of calls scheduled with schedule_call_global() or
  // schedule_switch() and still pending (queue()d calls are not timers).
  std::size_t timer_count() const noexcept;

  // listener_count() is the number of listeners added and not removed.
  std::size_t listener_count() const noexcept { return listeners_ - (wake_listener_ != nullptr); }

  // greenlet() is the greenlet the loop runs in: the parent of greenthreads.
  eventlet::greenlet* greenlet() const noexcept { return greenlet_.get(); }

  // run_callback_threadsafe() may be called from any thread: it wakes the hub, which calls
  // `fn` in the hub greenlet.
  void run_callback_threadsafe(callback fn);

  // report_exception() reports an exception nobody else will see, as callback exceptions are.
  void report_exception(std::exception_ptr e, std::string_view where);

  // set_exception_handler() replaces where callback exceptions are reported.
  void set_exception_handler(exception_handler h) { exception_handler_ = std::move(h); }

  // set_prevent_multiple_readers(false) allows several greenthreads to wait on one fd for the
  // same event; by default a second one is a hub_error (the two would race for the data).
  void set_prevent_multiple_readers(bool prevent) noexcept { prevent_multiple_ = prevent; }

  // set_blocking_detection() starts (seconds > 0) or stops (0) a watchdog thread that reports
  // any greenlet which keeps this hub from running for longer than `seconds`, naming it. The
  // report goes to `report` (called on the watchdog thread) or else to stderr. Throws
  // std::invalid_argument for a negative or NaN time.
  void set_blocking_detection(double seconds, blocking_reporter report = {});

 private:
  struct watchdog;
  struct fd_entry;
  friend class timer;

  void loop();
  [[noreturn]] static void refuse_blocking();
  timer schedule(double seconds, callback fn, eventlet::greenlet* target);
  void fire(detail::timer_entry* e);  // then drops a reference to it
  static void run_entry(queued_call& q);
  static void discard_entry(queued_call& q) noexcept;
  static bool empty(const queued_call& list) noexcept { return list.next_ == &list; }
  void unlink_all(queued_call& list) noexcept;
  void ensure_greenlet();
  void fire_timers();
  void poll_backend(bool runnable);
  void apply_changes();
  void dispatch();
  void call(const callback& fn, std::string_view where);
  void run_queue();
  void push_change(int fd);
  void unregister(detail::listener* l) noexcept;
  void unref(detail::listener* l) noexcept;
  static void drop(detail::timer_entry* e) noexcept;
  void recycle(detail::timer_entry* e) noexcept;
  void check_fork();
  void open_wake_fd();
  void signal_wake();
  void drain_threadsafe();
  void compact_timers();
  void stop_watchdog(bool join);

  std::unique_ptr<backend> backend_;
  std::unique_ptr<eventlet::greenlet> greenlet_;
  bool stopping_ = false;
  bool prevent_multiple_ = true;

  // The run queue (calls for the next pass) and the calls of the current pass, as circular
  // lists through their sentinels; delayed timers in a heap by (deadline, seq).
  queued_call run_queue_{nullptr}, running_{nullptr};
  std::vector<detail::timer_entry*> heap_;
  std::size_t heap_cancelled_ = 0;
  std::uint64_t next_seq_ = 0;
  std::vector<detail::timer_entry*> spare_;  // recycled entries

  // Listeners: per fd, with the interest the backend has and the changes to apply.
  std::vector<fd_entry> fds_;
  std::vector<int> changes_;
  std::vector<ready_fd> ready_;
  std::vector<detail::listener*> firing_;
  std::vector<detail::listener*> graveyard_;  // released listeners, freed between passes
  std::size_t listeners_ = 0;

  // Polling policy: with work runnable, an empty poll may be skipped for a while.
  unsigned skipped_polls_ = 0;
  bool last_poll_found_ = true;
  std::int64_t last_poll_coarse_ = 0;

  // Cross-thread wake-ups.
  int wake_fd_ = -1;
  listener* wake_listener_ = nullptr;
  std::mutex threadsafe_mutex_;
  std::vector<callback> threadsafe_;
  std::uint64_t fork_generation_;

  exception_handler exception_handler_;
  std::unique_ptr<watchdog> watchdog_;
  double watchdog_limit_ = 0;
  blocking_reporter watchdog_report_;
};

// A handle's destructor drops its reference to the call: inline, as most handles are empty.
inline timer::~timer() {
  if (entry_) hub::drop(entry_);
}

// get_hub() returns the calling thread's hub, making it on first use with the backend chosen
// by use_hub(), else EVENTLET_HUB, else get_default_hub(). Throws hub_error if EVENTLET_HUB
// names no usable hub (the message lists the usable ones).
inline hub& get_hub() {
  hub* h = detail::tls_hub;
  return h ? *h : detail::make_hub();
}

// use_hub() chooses the calling thread's hub by name, or on a backend the caller made (for
// instance on the application's own libevent base or libev loop). Replaces an existing hub
// of this thread if it has nothing pending; throws hub_error otherwise or for a bad name.
void use_hub(std::string_view name);
void use_hub(std::unique_ptr<backend> backend);

// get_default_hub() is the name of the first usable hub in order of preference.
std::string get_default_hub();

// available_hubs() lists the names of the hubs usable here, in order of preference.
std::vector<std::string> available_hubs();

// trampoline() suspends the calling greenthread until `fd` is ready for `events`, or throws
// timeout_error after `timeout` seconds (negative: no limit). Throws std::system_error(EBADF)
// if the fd is closed through notify_close() meanwhile, and hub_error from the hub greenlet.
void trampoline(int fd, io events, double timeout = -1);

}  // namespace eventlet::hubs
