// The shared hub core: the run loop, timers, fd listeners, close/reuse, fork, cross-thread
// wake-ups and blocking detection. Backends only watch fds (backend.hpp).
//
// One loop pass: (1) free the listeners released during the last pass; (2) run the delayed
// timers that are due, then the run queue as it stood when the pass began (zero-delay timers
// and queued_calls such as wakeups, in the order queued); (3) if
// nothing is runnable, wait in the backend until the next deadline, else poll it without
// waiting (an empty poll may be skipped while work keeps the loop busy, for at most 64 passes
// and about one tick of the coarse clock), first rebuilding the backend if the process forked;
// (4) call the listeners of the ready fds.
#include "hub.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <system_error>

namespace eventlet::hubs {
namespace detail {

// A scheduled call. A zero-delay one waits in the run queue (as a queued_call), a delayed one
// in the heap.
struct timer_entry : hubs::queued_call {
  timer_entry(void (*run)(queued_call&), void (*discard)(queued_call&))
      : queued_call(run, discard) {}
  std::int64_t deadline = 0;  // ns on the monotonic clock (delayed timers)
  std::uint64_t seq = 0;      // scheduling order, breaking deadline ties
  hub::callback fn;
  eventlet::greenlet* target = nullptr;  // switched to instead of calling fn (schedule_switch)
  hub* owner = nullptr;       // null once the hub is gone
  unsigned refs = 0;          // the queue's or heap's, and the timer handle's
  bool pending = false;
  bool in_heap = false;
};

struct listener {
  int fd;
  io events;
  hub::fd_callback cb;
  unsigned refs = 2;       // the hub's while registered, and the caller's until remove()
  bool registered = true;
};

}  // namespace detail

namespace {

using detail::listener;
using detail::timer_entry;

std::int64_t clock_ns(clockid_t id) noexcept {
  timespec ts;
  clock_gettime(id, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Bumped in a forked child; each hub compares it with the value it last saw.
std::atomic<std::uint64_t> fork_generation{0};

void note_fork() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

// Orders the heap as a min-heap on (deadline, seq).
bool later(const timer_entry* a, const timer_entry* b) {
  return a->deadline != b->deadline ? a->deadline > b->deadline : a->seq > b->seq;
}

constexpr std::size_t max_spare_timers = 1024;
constexpr unsigned max_skipped_polls = 64;

void default_exception_report(std::exception_ptr e, std::string_view where) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    std::fprintf(stderr, "eventlet: exception in %.*s: %s\n", int(where.size()), where.data(),
                 x.what());
  } catch (...) {
    std::fprintf(stderr, "eventlet: exception in %.*s (not a std::exception)\n",
                 int(where.size()), where.data());
  }
}

std::string describe(const eventlet::greenlet* g) {
  if (!g->name().empty()) return g->name();
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s greenlet at %p", g->parent() ? "unnamed" : "main",
                static_cast<const void*>(g));
  return buf;
}

eventlet::greenlet* main_greenlet() {
  eventlet::greenlet* g = getcurrent();
  while (g->parent()) g = g->parent();
  return g;
}

}  // namespace

// ---- timers ----------------------------------------------------------------------------

timer& timer::operator=(timer&& other) noexcept {
  if (this != &other) {
    timer dropped(std::move(*this));
    entry_ = std::exchange(other.entry_, nullptr);
  }
  return *this;
}

// Drops one reference to a timer entry; the last one recycles it (or frees it, hub gone).
void hub::drop(timer_entry* e) noexcept {
  if (--e->refs) return;
  if (e->owner)
    e->owner->recycle(e);
  else
    delete e;
}

void timer::cancel_entry() noexcept {
  if (!entry_->pending) return;
  entry_->pending = false;
  if (entry_->fn) entry_->fn = nullptr;  // release what the call captured now
  if (entry_->in_heap && entry_->owner) ++entry_->owner->heap_cancelled_;
  if (entry_->is_queued()) {  // out of the run queue at once, with the queue's reference
    entry_->queued_call::cancel();
    hub::drop(entry_);
  }
}

bool timer::pending() const noexcept { return entry_ && entry_->pending; }

void hub::recycle(timer_entry* e) noexcept {
  if (e->fn) e->fn = nullptr;
  if (spare_.size() < max_spare_timers) {
    spare_.push_back(e);  // cannot throw: reserved in the constructor
  } else {
    delete e;
  }
}

std::size_t hub::timer_count() const noexcept {
  std::size_t n = heap_.size() - heap_cancelled_;
  for (const queued_call* list : {&run_queue_, &running_})
    for (const queued_call* q = list->next_; q != list; q = q->next_) n += q->run_ == &run_entry;
  return n;
}

timer hub::schedule_call_global(double seconds, callback fn) {
  return schedule(seconds, std::move(fn), nullptr);
}

timer hub::schedule_switch(double seconds, eventlet::greenlet* g) {
  return schedule(seconds, {}, g);
}

timer hub::schedule(double seconds, callback fn, eventlet::greenlet* target) {
  if (std::isnan(seconds)) throw std::invalid_argument("schedule_call_global: delay is NaN");
  timer_entry* e;
  if (spare_.empty()) {
    e = new timer_entry(&run_entry, &discard_entry);
  } else {
    e = spare_.back();
    spare_.pop_back();
  }
  if (fn) e->fn = std::move(fn);
  e->target = target;
  e->owner = this;
  e->refs = 2;
  e->pending = true;
  e->in_heap = seconds > 0;
  if (!e->in_heap) {
    queue(*e);
    return timer(e);
  }
  const double ns = std::min(seconds * 1e9, 1e18);  // "forever" is 30 years
  e->deadline = clock_ns(CLOCK_MONOTONIC) + static_cast<std::int64_t>(ns);
  e->seq = next_seq_++;
  heap_.push_back(e);
  std::push_heap(heap_.begin(), heap_.end(), later);
  if (heap_cancelled_ > 1024 && heap_cancelled_ * 2 > heap_.size()) compact_timers();
  return timer(e);
}

// Drops cancelled timers from the heap, so memory stays bounded however many are cancelled.
void hub::compact_timers() {
  auto keep = std::partition(heap_.begin(), heap_.end(), [](timer_entry* e) { return e->pending; });
  for (auto it = keep; it != heap_.end(); ++it) {
    (*it)->in_heap = false;
    drop(*it);  // the heap's reference
  }
  heap_.erase(keep, heap_.end());
  std::make_heap(heap_.begin(), heap_.end(), later);
  heap_cancelled_ = 0;
}

void hub::fire_timers() {
  if (heap_.empty()) return;
  const std::int64_t now = clock_ns(CLOCK_MONOTONIC);
  // A timer scheduled while these run has a deadline after `now`: it waits for a later pass.
  while (!heap_.empty() && heap_.front()->deadline <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    timer_entry* e = heap_.back();
    heap_.pop_back();
    e->in_heap = false;
    if (!e->pending) --heap_cancelled_;
    fire(e);  // drops the heap's reference
  }
}

// Runs a pending timer: switches to its greenlet or calls its function (moved out first, so
// that the entry may be recycled meanwhile). Then drops the caller's reference to it (the
// heap's or the run queue's), also if the hub greenlet is killed meanwhile.
void hub::fire(timer_entry* e) {
  struct dropped {
    timer_entry* e;
    ~dropped() { drop(e); }
  } on_exit{e};
  if (!e->pending) return;
  e->pending = false;
  if (eventlet::greenlet* g = e->target) {
    try {
      g->switch_to();
    } catch (const greenlet_exit&) {
      throw;  // the hub greenlet itself is being killed
    } catch (...) {
      report_exception(std::current_exception(), "a timer");
    }
    return;
  }
  const callback fn = std::move(e->fn);
  call(fn, "a timer");
}

// A zero-delay timer reached in the run queue.
void hub::run_entry(queued_call& q) {
  auto* e = static_cast<timer_entry*>(&q);
  e->owner->fire(e);  // drops the queue's reference
}

void hub::run_queue() {
  if (empty(run_queue_)) return;
  // Move the queue into running_: what is queued from here on waits for the next pass.
  running_.next_ = run_queue_.next_;
  running_.prev_ = run_queue_.prev_;
  running_.next_->prev_ = &running_;
  running_.prev_->next_ = &running_;
  run_queue_.next_ = run_queue_.prev_ = &run_queue_;
  while (!empty(running_)) {
    queued_call* q = running_.next_;
    q->cancel();  // out first: running it may free it or queue it again
    try {
      // A wakeup switches right here rather than in a function call: when the greenlet comes
      // back, no `ret` is mispredicted from its return stack.
      if (q->run_ == &wakeup::resume)
        static_cast<wakeup*>(q)->greenlet_->switch_to();
      else
        q->run_(*q);
    } catch (const greenlet_exit&) {
      throw;  // the hub greenlet itself is being killed
    } catch (...) {
      report_exception(std::current_exception(), "a queued call");
    }
  }
}

// Takes every entry out of a run-queue list, discarding those that hold something.
void hub::unlink_all(queued_call& list) noexcept {
  while (!empty(list)) {
    queued_call* q = list.next_;
    q->cancel();
    if (q->discard_) q->discard_(*q);
  }
}

// A zero-delay timer dropped unrun with its hub: the queue's reference goes.
void hub::discard_entry(queued_call& q) noexcept {
  auto* e = static_cast<timer_entry*>(&q);
  e->pending = false;
  if (e->refs > 1) e->owner = nullptr;  // a handle outlives the hub: it frees the entry
  drop(e);
}

// ---- listeners --------------------------------------------------------------------------

struct hub::fd_entry {
  std::vector<listener*> readers, writers;
  io registered = io::none;  // what the backend watches
  bool changed = false;      // listed in changes_
};

listener* hub::add(io events, int fd, fd_callback cb) {
  if (fd < 0) throw hub_error("cannot watch fd " + std::to_string(fd) + ": not a descriptor");
  if (fd >= backend_->fd_limit())
    throw hub_error("the " + std::string(name()) + " hub cannot watch fd " + std::to_string(fd) +
                    ": it watches fds below " + std::to_string(backend_->fd_limit()) +
                    "; choose another hub (EVENTLET_HUB)");
  if (!any(events & (io::read | io::write))) throw hub_error("add: no event to wait for");
  if (static_cast<std::size_t>(fd) >= fds_.size()) fds_.resize(fd + 1);
  fd_entry& e = fds_[fd];
  const bool reads = any(events & io::read), writes = any(events & io::write);
  if (prevent_multiple_ && ((reads && !e.readers.empty()) || (writes && !e.writers.empty())))
    throw hub_error("a second greenthread waits to " + std::string(reads ? "read" : "write") +
                    " fd " + std::to_string(fd) +
                    " while another does: the two would race for it (see "
                    "set_prevent_multiple_readers)");
  auto* l = new listener{fd, events, std::move(cb)};
  if (reads) e.readers.push_back(l);
  if (writes) e.writers.push_back(l);
  push_change(fd);
  ++listeners_;
  return l;
}

void hub::push_change(int fd) {
  fd_entry& e = fds_[fd];
  if (e.changed) return;
  e.changed = true;
  changes_.push_back(fd);
}

// Takes a listener out of its fd's lists and drops the hub's reference.
void hub::unregister(listener* l) noexcept {
  if (!l->registered) return;
  l->registered = false;
  fd_entry& e = fds_[l->fd];
  std::erase(e.readers, l);
  std::erase(e.writers, l);
  push_change(l->fd);  // cannot throw: changes_ has room for every fd (see apply_changes)
  unref(l);
}

void hub::unref(listener* l) noexcept {
  if (--l->refs == 0) graveyard_.push_back(l);
}

void hub::remove(listener* l) noexcept {
  if (!l) return;
  unregister(l);
  --listeners_;
  unref(l);
}

void hub::notify_close(int fd) {
  check_fork();
  if (fd < 0 || static_cast<std::size_t>(fd) >= fds_.size()) return;
  std::vector<listener*> waiting = fds_[fd].readers;
  for (listener* l : fds_[fd].writers)
    if (std::find(waiting.begin(), waiting.end(), l) == waiting.end()) waiting.push_back(l);
  for (listener* l : waiting) {
    schedule_call_global(0, [cb = l->cb] { cb(EBADF); });
    unregister(l);
  }
  fd_entry& e = fds_[fd];
  if (any(e.registered)) backend_->update(fd, e.registered, io::none);  // before close(2)
  e.registered = io::none;
}

void hub::apply_changes() {
  for (int fd : changes_) {
    fd_entry& e = fds_[fd];
    e.changed = false;
    const io want = (e.readers.empty() ? io::none : io::read) |
                    (e.writers.empty() ? io::none : io::write);
    if (want == e.registered) continue;
    if (const int err = backend_->update(fd, e.registered, want)) {
      e.registered = io::none;
      ready_.push_back({fd, want, err});  // its listeners hear why
    } else {
      e.registered = want;
    }
  }
  changes_.clear();
  // unregister() may push a change while a callback runs: keep room for every fd.
  if (changes_.capacity() < fds_.size()) changes_.reserve(fds_.size());
}

void hub::dispatch() {
  for (std::size_t i = 0; i < ready_.size(); ++i) {
    const ready_fd r = ready_[i];
    if (static_cast<std::size_t>(r.fd) >= fds_.size()) continue;
    firing_.clear();
    const fd_entry& e = fds_[r.fd];
    if (r.error || any(r.events & io::read)) firing_ = e.readers;
    if (r.error || any(r.events & io::write))
      for (listener* l : e.writers)
        if (std::find(firing_.begin(), firing_.end(), l) == firing_.end()) firing_.push_back(l);
    for (listener* l : firing_) {
      if (!l->registered) continue;  // removed by an earlier callback of this pass
      try {
        l->cb(r.error);
      } catch (const greenlet_exit&) {
        throw;
      } catch (...) {
        report_exception(std::current_exception(), "a listener callback");
      }
    }
  }
}

// ---- the loop ---------------------------------------------------------------------------

hub::hub(std::unique_ptr<backend> b)
    : backend_(std::move(b)), fork_generation_(fork_generation.load()) {
  run_queue_.prev_ = run_queue_.next_ = &run_queue_;
  running_.prev_ = running_.next_ = &running_;
  static std::once_flag once;
  std::call_once(once, [] { pthread_atfork(nullptr, nullptr, &note_fork); });
  spare_.reserve(max_spare_timers);
  open_wake_fd();
  ensure_greenlet();
}

hub::~hub() {
  set_blocking_detection(0);
  greenlet_.reset();  // kills the loop if it is suspended in a callback
  // Dropping callbacks may destroy greenthreads, whose unwinding may use this hub: take the
  // timers out first, so it finds the hub empty but valid, and repeat while it adds more.
  while (!empty(run_queue_) || !empty(running_) || !heap_.empty()) {
    unlink_all(run_queue_);
    unlink_all(running_);
    std::vector<timer_entry*> heap = std::move(heap_);
    heap_.clear();
    for (timer_entry* e : heap) {
      e->in_heap = false;
      e->pending = false;
      if (e->refs > 1) e->owner = nullptr;
      drop(e);
    }
  }
  remove(wake_listener_);
  wake_listener_ = nullptr;
  for (fd_entry& e : fds_) {
    for (listener* l : std::vector<listener*>(e.readers)) unregister(l);
    for (listener* l : std::vector<listener*>(e.writers)) unregister(l);
  }
  for (listener* l : graveyard_) delete l;
  for (timer_entry* e : spare_) delete e;
  if (wake_fd_ >= 0) close(wake_fd_);
}

std::string_view hub::name() const noexcept { return backend_->name(); }

double hub::clock() noexcept { return static_cast<double>(clock_ns(CLOCK_MONOTONIC)) * 1e-9; }

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

void hub::loop() {
  while (!stopping_) {
    for (listener* l : graveyard_) delete l;
    graveyard_.clear();
    fire_timers();
    run_queue();
    if (stopping_) break;
    poll_backend(!empty(run_queue_));
  }
  stopping_ = false;
}

void hub::poll_backend(bool runnable) {
  std::chrono::nanoseconds timeout{-1};
  if (runnable) {
    // While polls keep finding nothing, skip them: for at most 64 passes, and no longer than
    // one tick of the coarse clock, looked at every 8th pass.
    if (!last_poll_found_ && skipped_polls_ < max_skipped_polls &&
        (++skipped_polls_ % 8 != 0 || clock_ns(CLOCK_MONOTONIC_COARSE) == last_poll_coarse_))
      return;
    timeout = std::chrono::nanoseconds{0};
  } else if (!heap_.empty()) {
    timeout = std::chrono::nanoseconds{
        std::max<std::int64_t>(0, heap_.front()->deadline - clock_ns(CLOCK_MONOTONIC))};
  }
  check_fork();  // before touching kernel state that a forked child may share
  ready_.clear();
  apply_changes();
  if (!ready_.empty()) timeout = std::chrono::nanoseconds{0};  // errors to report now
  backend_->wait(timeout, ready_);
  skipped_polls_ = 0;
  last_poll_found_ = !ready_.empty();
  last_poll_coarse_ = clock_ns(CLOCK_MONOTONIC_COARSE);
  dispatch();
}

// The loop's greenlet, made again after abort() ended it. Greenthreads are children of the
// old one: it is made the new one's child before it goes, so they pass to the new one.
void hub::ensure_greenlet() {
  if (greenlet_ && !greenlet_->dead()) return;
  auto fresh = std::make_unique<eventlet::greenlet>(
      [this](std::any) -> std::any {
        loop();
        return {};
      },
      main_greenlet());
  fresh->set_name("hub");
  if (greenlet_) greenlet_->set_parent(fresh.get());
  greenlet_ = std::move(fresh);
}

void hub::refuse_blocking() {
  throw hub_error(
      "a blocking call was made in the hub greenlet (from a timer or listener callback): do "
      "not call blocking functions from the hub; spawn a greenthread to do it");
}

void hub::run() {
  switch_();
}

void hub::abort() noexcept { stopping_ = true; }

// ---- fork and cross-thread wake-ups -------------------------------------------------------

void hub::check_fork() {
  const std::uint64_t now = fork_generation.load(std::memory_order_relaxed);
  if (now == fork_generation_) return;
  fork_generation_ = now;
  // The child shares the parent's kernel objects: make its own first. Only then may the old
  // wake-up fd, also the parent's, be forgotten: before, that would change the parent's.
  std::vector<std::pair<int, io>> interest;
  for (std::size_t fd = 0; fd < fds_.size(); ++fd)
    if (any(fds_[fd].registered)) interest.emplace_back(static_cast<int>(fd), fds_[fd].registered);
  backend_->after_fork(interest);
  const int old_wake = wake_fd_;
  remove(wake_listener_);
  wake_listener_ = nullptr;
  backend_->update(old_wake, fds_[old_wake].registered, io::none);
  fds_[old_wake].registered = io::none;
  close(old_wake);
  new (&threadsafe_mutex_) std::mutex;  // no other thread survived to hold it
  open_wake_fd();
  if (!threadsafe_.empty()) signal_wake();  // queued before the rebuild: the old fd was woken
  if (watchdog_) {  // its thread did not survive the fork: start another
    const double limit = watchdog_limit_;
    blocking_reporter report = std::move(watchdog_report_);
    stop_watchdog(false);
    set_blocking_detection(limit, std::move(report));
  }
}

void hub::open_wake_fd() {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  wake_listener_ = add(io::read, wake_fd_, [this](int) { drain_threadsafe(); });
}

void hub::drain_threadsafe() {
  std::uint64_t count;
  while (read(wake_fd_, &count, sizeof count) < 0 && errno == EINTR) {
  }
  std::vector<callback> calls;
  {
    std::lock_guard lock(threadsafe_mutex_);
    calls.swap(threadsafe_);
  }
  for (const callback& fn : calls) call(fn, "a run_callback_threadsafe callback");
}

void hub::run_callback_threadsafe(callback fn) {
  bool wake;
  {
    std::lock_guard lock(threadsafe_mutex_);
    wake = threadsafe_.empty();
    threadsafe_.push_back(std::move(fn));
  }
  if (wake) signal_wake();
}

void hub::signal_wake() {
  const std::uint64_t one = 1;
  while (write(wake_fd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

// ---- blocking detection -------------------------------------------------------------------

// A watchdog thread. A trace function on the hub's thread counts switches and records who
// runs; when no switch happens for `limit` seconds while a greenlet other than the hub runs,
// the watchdog reports that greenlet (once per stall).
struct hub::watchdog {
  std::unique_ptr<std::thread> thread;
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  std::uint64_t switches = 0;   // guarded by mutex
  bool hub_running = true;
  std::string running;
  trace_function previous;
};

// Stops the watchdog: its thread is joined, or, in a forked child where it does not exist,
// forgotten; the trace function it replaced is put back.
void hub::stop_watchdog(bool join) {
  if (join) {
    {
      std::lock_guard lock(watchdog_->mutex);
      watchdog_->stop = true;
    }
    watchdog_->wake.notify_all();
    watchdog_->thread->join();
  } else {
    (void)watchdog_->thread.release();
  }
  settrace(std::move(watchdog_->previous));
  watchdog_.reset();
}

void hub::set_blocking_detection(double seconds, blocking_reporter report) {
  if (std::isnan(seconds) || seconds < 0)
    throw std::invalid_argument("set_blocking_detection: time must be 0 (off) or positive");
  if (watchdog_) stop_watchdog(true);
  if (seconds == 0) return;
  watchdog_limit_ = seconds;
  watchdog_report_ = report ? std::move(report) : [](std::string_view who, double s) {
    std::fprintf(stderr, "eventlet: greenlet '%.*s' has kept the hub from running for %.3f s\n",
                 int(who.size()), who.data(), s);
  };
  ensure_greenlet();
  auto w = std::make_unique<watchdog>();
  watchdog* wp = w.get();
  eventlet::greenlet* hub_greenlet = greenlet_.get();
  w->running = describe(getcurrent());
  w->hub_running = getcurrent() == hub_greenlet;
  w->previous = settrace([wp, hub_greenlet](eventlet::greenlet* from, eventlet::greenlet* to) {
    {
      std::lock_guard lock(wp->mutex);
      ++wp->switches;
      wp->hub_running = to == hub_greenlet;
      if (!wp->hub_running) wp->running = describe(to);
    }
    if (wp->previous) wp->previous(from, to);
  });
  w->thread = std::make_unique<std::thread>([wp, limit = seconds, report = watchdog_report_] {
    const auto step = std::chrono::duration<double>(limit / 4);
    std::unique_lock lock(wp->mutex);
    std::uint64_t seen = wp->switches;
    double stalled = 0;
    bool reported = false;
    while (!wp->wake.wait_for(lock, step, [wp] { return wp->stop; })) {
      if (wp->switches != seen || wp->hub_running) {
        seen = wp->switches;
        stalled = 0;
        reported = false;
        continue;
      }
      stalled += step.count();
      if (stalled >= limit && !reported) {
        reported = true;
        const std::string who = wp->running;
        lock.unlock();
        report(who, stalled);
        lock.lock();
      }
    }
  });
  watchdog_ = std::move(w);
}

}  // namespace eventlet::hubs
