// The hub's life and loop: opening on a backend, moving to another, shutting down, and the run
// loop in the hub greenlet.
//
// One loop pass: (1) free the listeners released during the last pass; (2) run the delayed
// timers that are due, the listeners notify_close() told of, then the run queue as it stood
// when the pass began (zero-delay timers and queued_calls such as wakeups, in the order
// queued); (3) if nothing is runnable, wait in the backend until the next deadline, else poll
// it without waiting (an empty poll may be skipped while work keeps the loop busy, for at most
// 64 passes and about one tick of the coarse clock), first rebuilding the backend if the
// process forked; (4) call the listeners of the ready fds.
#include "hub.hpp"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include "../base/log.hpp"
#include "detail/internal.hpp"

namespace eventlet::hubs {
namespace detail {

extern std::atomic<std::uint64_t> fork_generation;

std::string describe(const eventlet::greenlet* g) {
  if (!g->name().empty()) return g->name();
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s greenlet at %p", g->parent() ? "unnamed" : "main",
                static_cast<const void*>(g));
  return buf;
}

}  // namespace detail

namespace {

using detail::listener;
using detail::timer_entry;

constexpr unsigned max_skipped_polls = 64;

void note_fork() { detail::fork_generation.fetch_add(1, std::memory_order_relaxed); }

void default_exception_report(std::exception_ptr e, std::string_view where) {
  std::string line = "exception in " + std::string(where);
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    line += std::string(": ") + x.what();
  } catch (...) {
    line += " (not a std::exception)";
  }
  log(log_level::error, line);
}

eventlet::greenlet* main_greenlet() {
  eventlet::greenlet* g = getcurrent();
  while (g->parent()) g = g->parent();
  return g;
}

}  // namespace

// ---- life --------------------------------------------------------------------------------

hub::hub(std::unique_ptr<backend> b)
    : thread_id_((getcurrent(), current_thread_id())),
      mailbox_(std::make_shared<detail::mailbox>()),
      fork_generation_(detail::fork_generation.load()) {
  run_queue_.prev_ = run_queue_.next_ = &run_queue_;
  running_.prev_ = running_.next_ = &running_;
  static std::once_flag once;
  std::call_once(once, [] { pthread_atfork(nullptr, nullptr, &note_fork); });
  spare_.reserve(detail::max_spare_timers);
  open(std::move(b));
}

// Opens a shut-down (or new) hub on `b`. Throws what open_wake_fd() throws, leaving it shut.
void hub::open(std::unique_ptr<backend> b) {
  backend_ = std::move(b);
  fork_generation_ = detail::fork_generation.load(std::memory_order_relaxed);
  broken_ = 0;
  last_poll_coarse_ = detail::clock_ns(CLOCK_MONOTONIC_COARSE);  // greenthreads' birth dates
  try {
    open_wake_fd();
    restart_greenlet();
  } catch (...) {
    close_backend();
    throw;
  }
}

hub::~hub() {
  // The thread's exit shut it down (thread_hub); what is left here is memory.
  if (backend_) {
    drop_pending();
    close_backend();
  }
  {
    std::lock_guard lock(mailbox_->mutex);
    mailbox_->gone = true;
    mailbox_->calls.clear();
  }
  while (tasks_.first) tasks_.first->leave();
  greenlet_.reset();
  for (listener* l : graveyard_) delete l;
  for (timer_entry* e : spare_) delete e;
}

void hub::replace_backend(std::unique_ptr<backend> b) {
  if (greenlet_ && getcurrent() == greenlet_.get())
    throw hub_error(
        "use_hub: cannot change the hub's backend from the hub greenlet (a timer or "
        "listener callback)");
  const int limit = b->fd_limit();
  const int wake = wake_ ? wake_->fd() : -1;
  for (std::size_t fd = 0; fd < fds_.size(); ++fd)
    if (static_cast<int>(fd) >= limit && static_cast<int>(fd) != wake && any(fds_[fd].wanted()))
      throw hub_error("use_hub: the " + std::string(b->name()) + " hub cannot watch fd " +
                      std::to_string(fd) + ", which a greenthread waits on: it watches fds below " +
                      std::to_string(limit));
  // The wake-up fd must be below the limit too: a new one, with the lowest number free.
  std::unique_ptr<os::wake_fd> low_wake;
  if (wake >= limit) {
    low_wake = std::make_unique<os::wake_fd>();
    if (low_wake->fd() >= limit)
      throw hub_error("use_hub: the " + std::string(b->name()) + " hub watches fds below " +
                      std::to_string(limit) + " only, and none is free for its wake-up fd");
  }
  check_fork();
  backend_ = std::move(b);  // the old one's kernel state goes with it
  renew_registrations();
  if (low_wake) {
    close_wake_fd();
    install_wake_fd(std::move(low_wake));
  } else if (!wake_) {  // lost to a failed rebuild after fork
    open_wake_fd();
  }
  broken_ = 0;
}

void hub::shutdown() {
  if (!backend_) return;
  eventlet::greenlet* self = getcurrent();
  if (current_thread_id() != thread_id_ || self->parent())
    throw hub_error(
        "hub::shutdown: call it from the hub's thread, in its main greenlet (not in "
        "a greenthread or a hub callback)");
  if (joined_)
    throw hub_error("hub::shutdown: the hub is joined to an application's loop; leave it first");
  set_blocking_detection(0);
  kill_greenthreads();
  // The loop's greenlet unwinds (it may be suspended in a pass); it stays, dead, so that a
  // greenthread abandoned in it passes to the next one when the hub opens again.
  if (*greenlet_) greenlet_->throw_in();
  drop_pending();
  close_backend();
  if (detail::tls_hub == this) detail::tls_hub = nullptr;
}

// Kills the greenthreads until none is left: those not started first (they never run), then
// the oldest. One that waits, after its kill, for what nothing can bring is abandoned (see
// poll_backend()).
void hub::kill_greenthreads() {
  shutdown_caller_ = getcurrent();
  const scope_exit done([this] { shutdown_caller_ = nullptr; });
  while (tasks_.first) {
    task* t = tasks_.first;
    for (task* u = tasks_.first; u; u = u->next_)
      if (!u->greenlet_->started()) {
        t = u;
        break;
      }
    try {
      t->kill_(*t);
    } catch (const detail::shutdown_stalled&) {
      log(log_level::warning,
          "hub shutdown: greenthread '" + detail::describe(&t->greenlet()) +
              "' still waits after being killed, for something nothing can bring; it is "
              "abandoned, and its stack is not freed");
      t->leave();
    }
  }
}

// Drops what is still to run, without running it: timers, queued calls, listeners notify_close()
// told of, threadsafe callbacks; and takes the remaining listeners out of their fds.
void hub::drop_pending() noexcept {
  // Dropping a call may destroy what it captured, and that may schedule again: repeat.
  while (!empty(run_queue_) || !empty(running_) || !heap_.empty()) {
    unlink_all(run_queue_);
    unlink_all(running_);
    std::vector<timer_entry*> heap = std::move(heap_);
    heap_.clear();
    heap_cancelled_ = 0;
    for (timer_entry* e : heap) {
      e->in_heap = false;
      e->pending = false;
      if (e->refs > 1) e->owner = nullptr;  // a handle may outlive the hub: it frees the entry
      drop(e);
    }
  }
  for (listener* l : std::exchange(closed_, {})) unref(l);
  for (detail::fd_entry& e : fds_) {
    for (listener* l : std::vector<listener*>(e.readers))
      if (l != wake_listener_) unregister(l);
    for (listener* l : std::vector<listener*>(e.writers)) unregister(l);
  }
  std::vector<callback> calls;
  {
    std::lock_guard lock(mailbox_->mutex);
    calls.swap(mailbox_->calls);
  }
}

// Releases the backend and the wake-up fd (in that order, so that the backend never sees a
// closed fd); the hub is then shut down.
void hub::close_backend() noexcept {
  backend_.reset();
  close_wake_fd();
  for (detail::fd_entry& e : fds_) {
    e.registered = io::none;
    e.changed = e.emptied = false;
  }
  changes_.clear();
  ready_.clear();
}

std::string_view hub::name() const noexcept { return backend_ ? backend_->name() : ""; }

double hub::clock() noexcept {
  return static_cast<double>(detail::clock_ns(CLOCK_MONOTONIC)) * 1e-9;
}

void hub::check_open(const char* what) const {
  if (!backend_) [[unlikely]]
    throw hub_error(std::string(what) +
                    ": this hub was shut down; hubs::get_hub() opens the thread's hub again");
}

void hub::refuse_thread(const char* what) const {
  throw hub_error(std::string(what) +
                  ": called from another thread than the hub's; use run_callback_threadsafe()");
}

void hub::report_exception(std::exception_ptr e, std::string_view where) {
  (exception_handler_ ? exception_handler_ : default_exception_report)(e, where);
}

void hub::call(const callback& fn, std::string_view where) {
  try {
    fn();
  } catch (const greenlet_exit&) {
    throw;  // the hub greenlet itself is being killed
  } catch (...) {
    report_exception(std::current_exception(), where);
  }
}

// ---- the loop -----------------------------------------------------------------------------

void hub::loop() {
  while (!stopping_) {
    ++passes_;
    for (listener* l : graveyard_) delete l;
    graveyard_.clear();
    fire_timers();
    if (!closed_.empty()) dispatch_closed();
    run_queue();
    if (stopping_) break;
    poll_backend(!empty(run_queue_) || !closed_.empty());
  }
  stopping_ = false;
}

void hub::poll_backend(bool runnable) {
  std::chrono::nanoseconds timeout{-1};
  if (runnable) {
    // While polls keep finding nothing, skip them: for at most 64 passes, and no longer than
    // one tick of the coarse clock, looked at every 8th pass.
    if (!last_poll_found_ && skipped_polls_ < max_skipped_polls &&
        (++skipped_polls_ % 8 != 0 ||
         detail::clock_ns(CLOCK_MONOTONIC_COARSE) == last_poll_coarse_))
      return;
    timeout = std::chrono::nanoseconds{0};
  } else if (!heap_.empty()) {
    timeout = std::chrono::nanoseconds{
        std::max<std::int64_t>(0, heap_.front()->deadline - detail::clock_ns(CLOCK_MONOTONIC))};
  }
  check_fork();  // before touching kernel state that a forked child may share
  if (broken_) os::throw_error(broken_, "the hub could not rebuild its backend after fork()");
  ready_.clear();
  apply_changes();
  if (!ready_.empty()) timeout = std::chrono::nanoseconds{0};  // errors to report now
  if (timeout.count() < 0 && shutdown_caller_ && stalled()) {
    // shutdown() waits for a killed greenthread that waits for nothing that can come.
    shutdown_caller_->throw_in(std::make_exception_ptr(detail::shutdown_stalled{}));
    return;
  }
  ++waits_;
  backend_->wait(timeout, ready_);
  skipped_polls_ = 0;
  last_poll_found_ = !ready_.empty();
  last_poll_coarse_ = detail::clock_ns(CLOCK_MONOTONIC_COARSE);
  dispatch();
}

// Nothing can wake the loop: no timer, no listener but the hub's own, no callback posted.
bool hub::stalled() const noexcept {
  if (heap_.size() != heap_cancelled_ || listener_count() || !closed_.empty()) return false;
  std::lock_guard lock(mailbox_->mutex);
  return mailbox_->calls.empty();
}

// The loop's greenlet, made again after abort() or shutdown() ended it. Refuses a blocking
// call from the hub greenlet or a joined loop's, or on a shut-down hub.
eventlet::greenlet& hub::restart_greenlet() {
  check_can_block("a blocking call");
  check_open("a blocking call");
  return loop_greenlet();
}

// The loop's greenlet, alive. Greenthreads are children of the old one: it is made the new
// one's child before it goes, so they pass to the new one.
eventlet::greenlet& hub::loop_greenlet() {
  if (greenlet_ && !greenlet_->dead()) return *greenlet_;
  auto fresh = std::make_unique<eventlet::greenlet>(
      [this](std::any) -> std::any {
        loop();
        return {};
      },
      main_greenlet());
  fresh->set_name("hub");
  if (greenlet_) greenlet_->set_parent(fresh.get());
  greenlet_ = std::move(fresh);
  return *greenlet_;
}

void hub::refuse_blocking(const char* call) const {
  if (joined_ && getcurrent() == joined_)
    throw blocking_call_error(std::string(call) +
                              " in the greenlet that runs the application's event loop (a loop "
                              "callback), which must never block: use "
                              "embed::defer_to_green_thread() to run it in a greenthread");
  throw blocking_call_error(std::string(call) +
                            " in the hub greenlet (a timer or listener callback): do not call "
                            "blocking functions from the hub; spawn a greenthread to do it");
}

// ---- an application's loop drives the hub -------------------------------------------------

void hub::join_loop(callback kick) {
  check_thread("hub::join_loop");
  check_open("hub::join_loop");
  eventlet::greenlet* self = getcurrent();
  if (self->parent())
    throw hub_error("hub::join_loop: call it in the thread's main greenlet, which runs the loop");
  if (kick && joined_) throw hub_error("hub::join_loop: the hub already joined a loop");
  joined_ = kick ? self : nullptr;
  kick_ = std::move(kick);
}

std::any hub::enter() {
  if (!joined_ || getcurrent() != joined_)
    throw hub_error("hub::enter: call it from the greenlet whose loop the hub joined");
  check_open("hub::enter");
  return loop_greenlet().switch_to();
}

// Work given to a joined hub: from the loop's greenlet, the loop must enter the hub soon.
void hub::note_work() noexcept {
  if (getcurrent() == joined_) kick_();
}

void hub::run() { switch_to(); }

void hub::abort() noexcept { stopping_ = true; }

}  // namespace eventlet::hubs
