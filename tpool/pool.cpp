// The threads behind tpool::pool, and the way results go back to their callers' hubs.
//
// A call is a request shared by its caller and the pool. The pool queues it; a worker thread
// runs it and posts it to the caller's return address, a mailbox per hub thread shared by every
// pool. The first result posted to an empty mailbox asks the hub, through
// run_callback_threadsafe (which writes its eventfd only when its own queue was empty), to take
// every result there: the hub marks each request done and queues its waiter, if it still waits,
// to resume on the next pass.
//
// Workers start lazily, up to the pool's max; an idle one sleeps on a semaphore of its own
// (which, unlike std::atomic::wait, does not spin in sched_yield first), the most recently idle
// first, and ends after the pool's idle time if more than min threads run: it moves itself to
// the retired list, whose threads the next submit(), killall() or the destructor joins. Before
// it sleeps, one worker at a time watches the queue for a short while (spin_time): a caller that
// makes calls one after another then finds it awake. Waking a sleeping thread costs tens of
// microseconds on a virtual machine whose idle CPU has halted, which is most of a round trip, and
// a thread that has just halted is slow to wake again. At most one worker is on its way (woken
// or starting, and not yet looking at the queue) at a time: a submitted call wakes one only if
// none is, and a worker that takes a call while more are queued wakes the next. A burst of calls
// so costs its hub thread one wake-up, and long calls still spread over the pool.
#include "pool.hpp"

#include <pthread.h>
#include <semaphore.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "../base/errors.hpp"
#include "../base/log.hpp"
#include "../base/scope_exit.hpp"
#include "../base/signal_mask.hpp"

namespace eventlet::tpool {
namespace detail {
namespace {

// How long a worker that runs out of calls watches the queue before it sleeps.
constexpr auto spin_time = std::chrono::microseconds(50);

// Tells the CPU that this thread is spinning (a hint that frees resources for its sibling).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Set in every pool's threads.
thread_local bool in_pool = false;

}  // namespace

// Where the results of one hub thread's calls go. Workers push results on a lock-free stack,
// which the hub takes whole: the hub never waits for a worker. The mutex keeps the hub pointer
// valid while a worker asks the hub to take the results.
class return_address : public std::enable_shared_from_this<return_address> {
 public:
  explicit return_address(hubs::hub& h) noexcept : hub_(&h) {}
  return_address(const return_address&) = delete;
  return_address& operator=(const return_address&) = delete;

  // Results the hub never took: their callers are gone with it.
  ~return_address() {
    for (request* r = results_.load(std::memory_order_acquire); r;)
      std::exchange(r, r->next)->release();
  }

  // post() hands over a returned call (the pool's reference to it), from a worker. The first
  // result on an empty stack asks the hub to take them all.
  void post(request* r) {
    std::lock_guard lock(mutex_);
    if (!hub_) {  // the hub is gone: so are the callers waiting in it
      r->release();
      return;
    }
    // Once pushed, `r` is the hub's: it may take it, and free it, at once. So whether the
    // stack was empty is read from what the push replaced, not from r->next.
    request* below = results_.load(std::memory_order_relaxed);
    do {
      r->next = below;
    } while (!results_.compare_exchange_weak(below, r, std::memory_order_release,
                                             std::memory_order_relaxed));
    if (!below) hub_->run_callback_threadsafe([self = shared_from_this()] { self->take(); });
  }

  // close() stops further results from reaching the hub, which is going away.
  void close() noexcept {
    std::lock_guard lock(mutex_);
    hub_ = nullptr;
  }

  // Around fork(): the forking thread holds the mutex, so that in the child no worker is
  // halfway through post() (a result pushed and the hub not yet asked) and the mutex is free.
  void lock() noexcept { mutex_.lock(); }
  void unlock() noexcept { mutex_.unlock(); }

 private:
  // Completes the posted calls, oldest first, in the hub greenlet: each waiter resumes on the
  // next pass.
  void take() {
    request* newest = results_.exchange(nullptr, std::memory_order_acquire);
    request* r = nullptr;  // the same, oldest first
    while (newest) {
      request* older = newest->next;
      newest->next = r;
      r = newest;
      newest = older;
    }
    hubs::hub& h = hubs::get_hub();
    while (r) {
      request* next = r->next;
      r->done = true;
      if (r->waiter) h.queue(*r->waiter);
      r->release();
      r = next;
    }
  }

  std::mutex mutex_;
  hubs::hub* hub_;
  std::atomic<request*> results_{nullptr};  // posted and not yet taken, newest first
};

namespace {

// The calling thread's return address, closed when the thread exits (before its hub goes: it
// was made after the hub).
struct thread_return_address {
  std::shared_ptr<return_address> address;
  ~thread_return_address() {
    if (address) address->close();
  }
};
thread_local thread_return_address tls_return;

// The return address for calls made from `h`, the calling thread's hub (which stays the same
// hub for the thread's life), made on first use.
const std::shared_ptr<return_address>& return_address_of(hubs::hub& h) {
  std::shared_ptr<return_address>& a = tls_return.address;
  if (!a) a = std::make_shared<return_address>(h);
  return a;
}

}  // namespace

bool on_pool_thread() noexcept { return in_pool; }

}  // namespace detail

using detail::request;

struct pool::impl {
  struct worker {
    worker() noexcept { sem_init(&wake, 0, 0); }
    ~worker() { sem_destroy(&wake); }
    impl* owner = nullptr;
    pthread_t thread;
    worker* next_idle = nullptr;
    sem_t wake;  // posted once to wake the worker when idle
  };

  explicit impl(const pool_options& o) : min(o.min), max(o.max), idle_time(o.idle.count()) {}

  // submit() queues `r`, taking a reference to it, and wakes or starts a worker if need be.
  // Throws std::system_error if no thread can start and none runs; `r` is then not queued.
  void submit(request* r) {
    worker* woken;
    std::vector<std::unique_ptr<worker>> retired;
    {
      std::lock_guard lock(mutex);
      woken = wake_one(workers.empty());
      r->add_ref();
      r->next = nullptr;
      (last ? last->next : first) = r;
      last = r;
      ++queued;
      queued_flag.store(true, std::memory_order_relaxed);
      retired.swap(retired_workers);
    }
    if (woken) notify(woken);
    join(retired);
  }

  void killall() {
    if (detail::in_pool)
      throw std::logic_error("tpool: killall from a pool thread: it would wait for itself");
    std::lock_guard one_at_a_time(killall_mutex);
    std::unique_lock lock(mutex);
    stopping = true;
    // Workers leave once the queue is empty; those started meanwhile are joined in turn.
    while (!workers.empty() || !retired_workers.empty()) {
      std::vector<std::unique_ptr<worker>> ending = std::move(workers);
      workers.clear();
      ended += ending.size();
      for (auto& w : retired_workers) ending.push_back(std::move(w));
      retired_workers.clear();
      std::vector<worker*> waking;
      for (; idle; idle = idle->next_idle, --idle_count, ++on_the_way) waking.push_back(idle);
      lock.unlock();
      for (worker* w : waking) notify(w);
      join(ending);
      lock.lock();
    }
    stopping = false;
  }

  // Picks a worker to look at the queue, unless one is already on its way: an idle one, to be
  // notified once the mutex is released, or else a new one if the pool has room. Called with
  // the mutex held; throws std::system_error if a thread cannot start and `must` is set (no
  // thread runs to serve the queue).
  worker* wake_one(bool must) {
    if (on_the_way) return nullptr;
    if (worker* w = idle) {
      idle = w->next_idle;
      --idle_count;
      ++on_the_way;
      return w;
    }
    if (workers.size() < static_cast<std::size_t>(max)) {
      workers.reserve(workers.size() + 1);
      auto w = std::make_unique<worker>();
      w->owner = this;
      const os::block_signals masked;  // the process's signals are for the hubs' threads
      if (const int e = pthread_create(&w->thread, nullptr, &run_worker, w.get())) {
        if (must) os::throw_error(e, "tpool: cannot start a thread");
        return nullptr;  // the running workers serve the queue
      }
      workers.push_back(std::move(w));
      ++on_the_way;
      ++started;
    }
    return nullptr;
  }

  static void notify(worker* w) noexcept { sem_post(&w->wake); }

  static void join(std::vector<std::unique_ptr<worker>>& ending) noexcept {
    for (const auto& w : ending) pthread_join(w->thread, nullptr);
    ending.clear();
  }

  // Watches the queue for up to spin_time, without the mutex; returns once a call is queued
  // or the time is up.
  void spin() const noexcept {
    const auto until = std::chrono::steady_clock::now() + detail::spin_time;
    for (unsigned i = 1; !queued_flag.load(std::memory_order_relaxed); ++i) {
      detail::cpu_relax();
      if (i % 64 == 0 && std::chrono::steady_clock::now() >= until) return;
    }
  }

  static void* run_worker(void* w) {
    detail::in_pool = true;
    static_cast<worker*>(w)->owner->work(static_cast<worker*>(w));
    return nullptr;
  }

  // Sleeps until notified, or until the idle time passes; returns false in that case.
  bool sleep(worker* self) const noexcept {
    if (idle_time > 1e9) {                  // about 30 years: for ever
      while (sem_wait(&self->wake) != 0) {  // EINTR
      }
      return true;
    }
    timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    const double whole = std::floor(idle_time);
    until.tv_sec += static_cast<time_t>(whole);
    until.tv_nsec += static_cast<long>((idle_time - whole) * 1e9);
    if (until.tv_nsec >= 1'000'000'000) {
      until.tv_sec += 1;
      until.tv_nsec -= 1'000'000'000;
    }
    for (;;) {
      if (sem_clockwait(&self->wake, CLOCK_MONOTONIC, &until) == 0) return true;
      if (errno == ETIMEDOUT) return false;
    }
  }

  // Retires `self`, idle and listed as such, if more than min threads run; called with the
  // mutex held.
  bool retire(worker* self) {
    if (workers.size() <= static_cast<std::size_t>(min)) return false;
    worker** link = &idle;
    while (*link != self) link = &(*link)->next_idle;
    *link = self->next_idle;
    --idle_count;
    const auto it = std::find_if(workers.begin(), workers.end(),
                                 [self](const auto& w) { return w.get() == self; });
    retired_workers.push_back(std::move(*it));
    workers.erase(it);
    ++ended;
    return true;
  }

  void work(worker* self) {
    std::unique_lock lock(mutex);
    --on_the_way;
    bool may_spin = true;  // not again right after a spin that found nothing
    for (;;) {
      if (request* r = first) {
        first = r->next;
        --queued;
        if (!first) {
          last = nullptr;
          queued_flag.store(false, std::memory_order_relaxed);
        }
        worker* next = first ? wake_one(false) : nullptr;
        lock.unlock();
        if (next) notify(next);
        r->run();
        calls.fetch_add(1, std::memory_order_relaxed);  // before the caller can see the result
        const std::shared_ptr<detail::return_address> to = std::move(r->reply);
        to->post(r);
        lock.lock();
        may_spin = true;
        continue;
      }
      if (stopping) return;
      if (may_spin && !spinning) {  // counted in on_the_way, so that submit() wakes nobody else
        spinning = true;
        ++on_the_way;
        lock.unlock();
        spin();
        lock.lock();
        spinning = false;
        --on_the_way;
        may_spin = false;
        continue;
      }
      self->next_idle = idle;
      idle = self;
      ++idle_count;
      for (;;) {
        lock.unlock();
        const bool woken = sleep(self);
        lock.lock();
        if (woken) break;
        if (!idle_is(self)) {  // being woken as its time ran out: take the post
          lock.unlock();
          while (sem_wait(&self->wake) != 0) {
          }
          lock.lock();
          break;
        }
        if (retire(self)) return;
        // Kept (min threads): it sleeps again, still listed as idle.
      }
      --on_the_way;
      may_spin = true;
    }
  }

  bool idle_is(worker* self) const noexcept {
    for (worker* w = idle; w; w = w->next_idle)
      if (w == self) return true;
    return false;
  }

  // After fork(), in the child: no worker survived; forget them and their calls, and free the
  // mutexes a thread that did not survive may hold.
  void forget_after_fork() noexcept {
    new (&mutex) std::mutex;
    new (&killall_mutex) std::mutex;
    first = last = nullptr;
    queued = 0;
    idle = nullptr;
    idle_count = 0;
    for (auto& w : workers) w.release();  // their threads are gone; their memory is forgotten
    workers.clear();
    for (auto& w : retired_workers) w.release();
    retired_workers.clear();
    on_the_way = 0;
    spinning = false;
    queued_flag.store(false, std::memory_order_relaxed);
    stopping = false;
  }

  const int min;
  int max;  // guarded by the mutex
  const double idle_time;

  mutable std::mutex mutex;
  request* first = nullptr;  // queued calls, oldest first
  request* last = nullptr;
  std::size_t queued = 0;
  worker* idle = nullptr;  // idle workers, most recently idle first
  int idle_count = 0;
  std::vector<std::unique_ptr<worker>> workers;          // started and not retired
  std::vector<std::unique_ptr<worker>> retired_workers;  // ended (or ending), not yet joined
  unsigned on_the_way = 0;  // workers woken, started or spinning, not yet looking at the queue
  bool spinning = false;    // a worker is in spin()
  std::atomic<bool> queued_flag{false};  // first is not null, for spin() to read unlocked
  bool stopping = false;                 // killall() waits for the workers to leave
  std::uint64_t started = 0, ended = 0;
  std::atomic<std::uint64_t> calls{0};
  std::mutex killall_mutex;
};

namespace {

// Every pool alive, for fork(): the forking thread holds their mutexes' registry, and the
// child forgets their threads.
std::mutex& registry_mutex() {
  static std::mutex& m = *new std::mutex;
  return m;
}
std::set<pool::impl*>& registry() {
  static std::set<pool::impl*>& r = *new std::set<pool::impl*>;
  return r;
}

void before_fork() {
  registry_mutex().lock();
  if (detail::tls_return.address) detail::tls_return.address->lock();
}

void after_fork_in_parent() {
  if (detail::tls_return.address) detail::tls_return.address->unlock();
  registry_mutex().unlock();
}

void after_fork_in_child() {
  if (detail::tls_return.address) detail::tls_return.address->unlock();
  new (&registry_mutex()) std::mutex;
  for (pool::impl* p : registry()) p->forget_after_fork();
}

}  // namespace

pool::pool(pool_options options) {
  if (options.max < 1)
    throw std::invalid_argument("tpool::pool: max must be >= 1, not " +
                                std::to_string(options.max));
  if (options.min < 0 || options.min > options.max)
    throw std::invalid_argument("tpool::pool: min must be from 0 to max, not " +
                                std::to_string(options.min));
  if (!(options.idle.count() >= 0))
    throw std::invalid_argument("tpool::pool: the idle time must be >= 0");
  static std::once_flag at_fork;
  std::call_once(at_fork,
                 [] { pthread_atfork(&before_fork, &after_fork_in_parent, &after_fork_in_child); });
  impl_ = std::make_unique<impl>(options);
  const std::lock_guard lock(registry_mutex());
  registry().insert(impl_.get());
}

pool::~pool() {
  if (detail::in_pool) {
    const std::lock_guard lock(impl_->mutex);
    for (const auto& w : impl_->workers)
      if (pthread_equal(w->thread, pthread_self())) {
        eventlet::log(log_level::error, "tpool::pool destroyed from one of its own threads");
        std::abort();
      }
  }
  {
    const std::lock_guard lock(registry_mutex());
    registry().erase(impl_.get());
  }
  impl_->killall();
}

int pool::max() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->max;
}

void pool::set_max(int n) {
  if (n < 1 || n < impl_->min)
    throw std::invalid_argument("tpool::pool::set_max: max must be >= 1 and >= min, not " +
                                std::to_string(n));
  const std::lock_guard lock(impl_->mutex);
  impl_->max = n;
}

pool_statistics pool::statistics() const {
  const std::lock_guard lock(impl_->mutex);
  pool_statistics s;
  s.threads = static_cast<int>(impl_->workers.size());
  s.idle = impl_->idle_count;
  s.queued = impl_->queued;
  s.started = impl_->started;
  s.ended = impl_->ended;
  s.calls = impl_->calls.load(std::memory_order_relaxed);
  return s;
}

void pool::killall() { impl_->killall(); }

void pool::wait_for(request& r) {
  hubs::hub& h = hubs::get_hub();
  h.check_can_block("tpool::execute");
  r.reply = detail::return_address_of(h);
  hubs::wakeup me(getcurrent());
  r.waiter = &me;
  const scope_exit leave([&r] { r.waiter = nullptr; });  // a caller killed meanwhile abandons it
  impl_->submit(&r);
  while (!r.done) h.switch_to();
}

}  // namespace eventlet::tpool
