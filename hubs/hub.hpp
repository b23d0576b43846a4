// class hub: the event loop every "blocking" call switches into. One hub per OS thread, made
// on first use by get_hub(). The hub runs in a greenlet of its own; a greenthread that would
// block registers interest (a listener or a timer) and switches to the hub, which switches
// back when the fd is ready or the timer is due.
//
// The hub core owns the run loop, the timers, the fd listeners and everything else; a backend
// (backend.hpp) only watches fds. Which backend: use_hub() > EVENTLET_HUB > get_default_hub().
//
// Lifetime. A thread's hub object lives until the thread exits, so anything that keeps a
// pointer to it (a greenthread, an event, a timer) stays valid on that thread: use_hub()
// carries the hub's work over to a new backend instead of replacing the hub, and shutdown()
// empties the hub and releases its backend, after which the thread's next get_hub() opens the
// same hub again. At thread exit the hub is shut down.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../base/errors.hpp"
#include "../base/export.hpp"
#include "../greenlet/greenlet.hpp"
#include "backend.hpp"
#include "deferred.hpp"
#include "errors.hpp"
#include "queued_call.hpp"
#include "remote_hub.hpp"
#include "task.hpp"
#include "timer.hpp"

namespace eventlet::os {
class wake_fd;
}  // namespace eventlet::os

namespace eventlet::hubs {

class hub;

namespace detail {
struct listener;
struct fd_entry;
struct thread_hub;
// The calling thread's hub while it is open, else null; get_hub() reads it.
[[gnu::tls_model("initial-exec")]] EVENTLET_API extern constinit thread_local hub* tls_hub;
EVENTLET_API hub& make_hub();
}  // namespace detail

// A registered interest in an fd, as returned by hub::add().
using listener = detail::listener;

// How an fd that is waited on gets closed, which decides what waiting on it again costs.
enum class closes {
  // Maybe by a plain close(2) while the hub still watches it: an fd waited on again in the
  // loop pass its last waiter left is registered anew (one system call on epoll), as its
  // number may belong to another file by then.
  raw,
  // Always after notify_close() (as green sockets and fds are): the hub knows its file.
  notified,
};

class EVENTLET_API hub {
 public:
  using callback = std::function<void()>;
  // A listener's callback: `error` is 0 when the fd is ready, else an errno (EBADF when the fd
  // was closed through notify_close(), or why the backend cannot watch it).
  using fd_callback = std::function<void(int error)>;
  // Where exceptions escaping timer and listener callbacks go; by default, to the log hook.
  using exception_handler = std::function<void(std::exception_ptr, std::string_view where)>;
  // What blocking detection reports: the greenlet's name and how long it has blocked.
  using blocking_reporter = std::function<void(std::string_view greenlet, double seconds)>;

  // ~hub() shuts the hub down if it is open; the thread's exit does this.
  ~hub();
  hub(const hub&) = delete;
  hub& operator=(const hub&) = delete;

  // name() is the backend's name ("epoll", "libev", ...); "" while shut down.
  std::string_view name() const noexcept;

  // clock() is the monotonic clock the hub's timers use, in seconds.
  static double clock() noexcept;

  // schedule_call_global() calls `fn` in the hub greenlet after `seconds` (0: on the next
  // loop pass, after what is already scheduled). Calls with equal deadlines run in the order
  // scheduled; a call scheduled by a running call runs on a later pass. Throws
  // std::invalid_argument for a NaN delay (a negative delay counts as 0), hub_error from
  // another thread or on a shut-down hub.
  timer schedule_call_global(double seconds, callback fn);

  // schedule_switch() switches from the hub to `g` after `seconds`, as schedule_call_global()
  // with a callback doing g->switch_to() would, only cheaper: what a waiting greenthread uses.
  // Throws as schedule_call_global() does.
  timer schedule_switch(double seconds, eventlet::greenlet* g);

  // queue() puts `q` at the end of the run queue (first taking it out if it is queued): the
  // hub runs it on its next pass, in order with zero-delay timers. Call it on the hub's thread.
  void queue(queued_call& q) noexcept {
    q.cancel();
    q.prev_ = run_queue_.prev_;
    q.next_ = &run_queue_;
    run_queue_.prev_->next_ = &q;
    run_queue_.prev_ = &q;
  }

  // idle() tells whether the hub has nothing to run: no call queued, none left of the current
  // pass, no closed fd to report (due timers and ready fds are not looked at). A call queued
  // while it is idle is the next the hub runs, so the greenthread that queued it may switch
  // there itself rather than through the hub: coros' direct hand-off.
  bool idle() const noexcept { return empty(run_queue_) && empty(running_) && closed_.empty(); }

  // add() calls `cb` in the hub greenlet whenever `fd` is ready for `events` (io::read,
  // io::write or both), until remove(); `how` says how the fd gets closed. Throws hub_error
  // for a negative fd, an fd the backend cannot watch (select: fd >= FD_SETSIZE), a second
  // reader (writer) of one fd unless set_prevent_multiple_readers(false), a call from another
  // thread or on a shut-down hub; std::system_error(EBADF) for an fd number no file has.
  listener* add(io events, int fd, fd_callback cb, closes how = closes::raw);

  // remove() ends a listener; it is not called afterwards. Safe from within its callback.
  void remove(listener* l) noexcept;

  // notify_close() tells the hub that `fd` is about to be closed: its listeners are removed
  // and called with EBADF on the next pass (unless removed first), and the backend forgets
  // the fd (so a new fd with the same number never wakes them). Call it before close(2).
  void notify_close(int fd) noexcept;

  // switch_to() suspends the calling greenthread (or the main greenlet) and runs the hub until
  // something switches back; returns the value switched back with. Throws blocking_call_error
  // when called from the hub greenlet itself (a timer or listener callback), hub_error on a
  // shut-down hub. First throws the exception the caller has pending, if any (deferred.hpp).
  std::any switch_to() {
    if (detail::tls_deferred) [[unlikely]]
      detail::throw_deferred();
    eventlet::greenlet* g = greenlet_.get();
    if (!g || g->dead() || getcurrent() == g) [[unlikely]]
      g = &restart_greenlet();
    return g->switch_to();
  }

  // run() runs the loop in the hub greenlet until abort(); call it from the main greenlet.
  void run();

  // abort() makes the loop stop after its current pass; the hub greenlet then returns to the
  // main greenlet. Timers and listeners are kept: the next switch_to() runs the loop again.
  void abort() noexcept;

  // shutdown() empties the hub, in this order: it kills the greenthreads left, oldest first,
  // each as greenthread::kill() does (one not started never runs; a started one unwinds, and
  // the loop runs while it does, so its cleanup may still block); it repeats while their
  // unwinding spawns more. A killed greenthread left waiting for something that nothing can
  // bring (no timer, no fd, no queued call) is abandoned with one logged line. Then it drops
  // the timers, queued calls and threadsafe callbacks still pending without calling them,
  // removes the listeners left (their callbacks are not called; their remove() is still
  // safe), and releases the backend and the hub's own fds: on an application's libevent base
  // or libev loop, nothing of the hub stays registered, so the application may free it. The
  // thread's next get_hub() opens the hub again, as on first use. Throws hub_error unless
  // called from the thread's main greenlet; a no-op once shut down.
  void shutdown();

  // timer_count() is the number of calls scheduled with schedule_call_global() or
  // schedule_switch() and still pending (queue()d calls are not timers).
  std::size_t timer_count() const noexcept;

  // listener_count() is the number of listeners added and not removed (the hub's own aside).
  std::size_t listener_count() const noexcept { return listeners_ - (wake_listener_ != nullptr); }

  // greenthread_count() is the number of greenthreads spawned on this hub and not finished.
  std::size_t greenthread_count() const noexcept { return tasks_.size; }

  // greenthreads() lists the greenlets of the greenthreads spawned on this hub and not
  // finished, oldest first (their names come from spawn_options or greenlet::set_name()).
  std::vector<eventlet::greenlet*> greenthreads() const;

  // greenlet() is the greenlet the loop runs in: the parent of greenthreads.
  eventlet::greenlet* greenlet() const noexcept { return greenlet_.get(); }

  // run_callback_threadsafe() may be called from any thread: it wakes the hub, which calls
  // `fn` in the hub greenlet (see remote_hub::post()). Throws hub_error once the hub's thread
  // has exited (use a remote_hub to reach a hub whose thread may exit meanwhile).
  void run_callback_threadsafe(callback fn);

  // remote() is a handle through which any thread can reach this hub, even after its thread
  // has exited (it then refuses).
  remote_hub remote() const noexcept { return remote_hub(mailbox_); }

  // report_exception() reports an exception nobody else will see, as callback exceptions are.
  void report_exception(std::exception_ptr e, std::string_view where);

  // set_exception_handler() replaces where callback exceptions are reported (empty: the log).
  void set_exception_handler(exception_handler h) { exception_handler_ = std::move(h); }

  // set_prevent_multiple_readers(false) allows several greenthreads to wait on one fd for the
  // same event; by default a second one is a hub_error (the two would race for the data).
  void set_prevent_multiple_readers(bool prevent) noexcept { prevent_multiple_ = prevent; }

  // set_blocking_detection() starts (seconds > 0) or stops (0) a watchdog thread that reports
  // any greenlet which keeps this hub from running for longer than `seconds`, naming it. The
  // report goes to `report` (called on the watchdog thread) or else to the log hook. Throws
  // std::invalid_argument for a negative or NaN time.
  void set_blocking_detection(double seconds, blocking_reporter report = {});

  // enlist() lists a greenthread's task until it finishes (task::leave()); coros/ calls it
  // when it spawns one. The task must be off any list.
  void enlist(task& t) noexcept {
    t.list_ = &tasks_;
    t.prev_ = tasks_.last;
    (tasks_.last ? tasks_.last->next_ : tasks_.first) = &t;
    tasks_.last = &t;
    ++tasks_.size;
  }

  // check_thread() throws hub_error naming `what` unless called on this hub's thread.
  void check_thread(const char* what) const {
    if (current_thread_id() != thread_id_) [[unlikely]]
      refuse_thread(what);
  }

  // check_can_block() throws blocking_call_error naming `call` when called in the hub
  // greenlet (a timer or listener callback), where nothing may wait. Every blocking call makes
  // this check, or switch_to()'s.
  void check_can_block(const char* call) const {
    if (greenlet_ && getcurrent() == greenlet_.get()) [[unlikely]]
      refuse_blocking(call);
  }

 private:
  struct watchdog;
  friend class timer;
  friend struct detail::thread_hub;
  friend void detail::drop_timer(detail::timer_entry* e) noexcept;

  // hub() makes the calling thread's hub, open on `backend`.
  explicit hub(std::unique_ptr<backend> backend);
  void open(std::unique_ptr<backend> backend);
  void replace_backend(std::unique_ptr<backend> backend);
  void close_backend() noexcept;
  void kill_greenthreads();
  void drop_pending() noexcept;

  void loop();
  eventlet::greenlet& restart_greenlet();
  [[noreturn]] static void refuse_blocking(const char* call);
  [[noreturn]] void refuse_thread(const char* what) const;
  void check_open(const char* what) const;
  timer schedule(double seconds, callback fn, eventlet::greenlet* target);
  void fire(detail::timer_entry* e);  // then drops a reference to it
  static void run_entry(queued_call& q);
  static void discard_entry(queued_call& q) noexcept;
  static bool empty(const queued_call& list) noexcept { return list.next_ == &list; }
  void unlink_all(queued_call& list) noexcept;
  void fire_timers();
  void poll_backend(bool runnable);
  bool stalled() const noexcept;
  void apply_changes();
  void renew_registrations() noexcept;
  void dispatch();
  void dispatch_closed();
  void call(const callback& fn, std::string_view where);
  void run_queue();
  void push_change(int fd);
  void unregister(detail::listener* l) noexcept;
  void unref(detail::listener* l) noexcept;
  static void drop(detail::timer_entry* e) noexcept;
  void recycle(detail::timer_entry* e) noexcept;
  void check_fork() noexcept;
  void open_wake_fd();
  void install_wake_fd(std::unique_ptr<os::wake_fd> fresh);
  void close_wake_fd() noexcept;
  void drain_threadsafe();
  void compact_timers();
  void stop_watchdog(bool join);

  std::unique_ptr<backend> backend_;  // null while shut down
  std::unique_ptr<eventlet::greenlet> greenlet_;
  std::uint64_t thread_id_;  // the thread it belongs to (greenlet numbering)
  bool stopping_ = false;
  bool prevent_multiple_ = true;
  int broken_ = 0;  // an errno that left the backend unusable (after fork)

  // The run queue (calls for the next pass) and the calls of the current pass, as circular
  // lists through their sentinels; delayed timers in a heap by (deadline, seq).
  queued_call run_queue_{nullptr}, running_{nullptr};
  std::vector<detail::timer_entry*> heap_;
  std::size_t heap_cancelled_ = 0;
  std::uint64_t next_seq_ = 0;
  std::vector<detail::timer_entry*> spare_;  // recycled entries

  // Listeners: per fd, with the interest the backend has and the changes to apply.
  std::vector<detail::fd_entry> fds_;
  std::vector<int> changes_;
  std::vector<ready_fd> ready_;
  std::vector<detail::listener*> firing_;
  std::vector<detail::listener*> closed_;     // told EBADF by notify_close(), called next pass
  std::vector<detail::listener*> graveyard_;  // released listeners, freed between passes
  std::size_t listeners_ = 0;
  std::uint64_t waits_ = 0;  // backend waits so far: a listener hears only of later ones

  // Polling policy: with work runnable, an empty poll may be skipped for a while.
  unsigned skipped_polls_ = 0;
  bool last_poll_found_ = true;
  std::int64_t last_poll_coarse_ = 0;

  task_list tasks_;                                // greenthreads, oldest first
  eventlet::greenlet* shutdown_caller_ = nullptr;  // set while shutdown() waits for a kill

  // Cross-thread wake-ups.
  std::unique_ptr<os::wake_fd> wake_;
  listener* wake_listener_ = nullptr;
  std::shared_ptr<detail::mailbox> mailbox_;
  std::uint64_t fork_generation_;

  exception_handler exception_handler_;
  std::unique_ptr<watchdog> watchdog_;
  double watchdog_limit_ = 0;
  blocking_reporter watchdog_report_;
};

// get_hub() returns the calling thread's hub, making (or, after shutdown(), opening) it on
// first use with the backend chosen by use_hub(), else EVENTLET_HUB, else get_default_hub().
// Throws hub_error if EVENTLET_HUB names no usable hub (the message lists the usable ones),
// std::system_error if the backend or the hub's wake-up fd cannot be made (EMFILE, ...).
inline hub& get_hub() {
  hub* h = detail::tls_hub;
  return h ? *h : detail::make_hub();
}

// current_hub() is the calling thread's hub while it is open, else null; it never makes one.
inline hub* current_hub() noexcept { return detail::tls_hub; }

// use_hub() puts the calling thread's hub on the backend named, or on one the caller made
// (for instance on the application's own libevent base or libev loop); the hub's timers,
// listeners and greenthreads carry over to it. Throws hub_error for a bad name, from the hub
// greenlet, or when the new backend cannot watch an fd the hub watches (select: fds below
// FD_SETSIZE); std::system_error if the backend cannot be made.
EVENTLET_API void use_hub(std::string_view name);
EVENTLET_API void use_hub(std::unique_ptr<backend> backend);

// shutdown() shuts down the calling thread's hub (hub::shutdown()), if it has an open one.
EVENTLET_API void shutdown();

// get_default_hub() is the name of the first usable hub in order of preference.
EVENTLET_API std::string get_default_hub();

// available_hubs() lists the names of the hubs usable here, in order of preference, without
// making any of them.
EVENTLET_API std::vector<std::string> available_hubs();

}  // namespace eventlet::hubs
