// The pool behind tpool::execute(), and the way results go back to their callers' hubs.
//
// A call is a request shared by its caller and the pool. The pool queues it; a worker thread
// runs it and posts it to the caller's return address, a mailbox per hub thread. The first
// result posted to an empty mailbox asks the hub, through run_callback_threadsafe (which writes
// its eventfd only when its own queue was empty), to take every result there: the hub marks
// each request done and queues its waiter, if it still waits, to resume on the next pass.
//
// Workers start lazily, up to the pool's size; an idle one sleeps on a semaphore of its own
// (which, unlike std::atomic::wait, does not spin in sched_yield first), the most recently idle
// first. Before it sleeps, one worker at a time watches the queue for a short while (spin_time):
// a caller that makes calls one after another then finds it awake. Waking a sleeping thread
// costs tens of microseconds on a virtual machine whose idle CPU has halted, which is most of a
// round trip, and a thread that has just halted is slow to wake again. At most one worker is on its
// way (woken or starting, and not yet looking at the queue) at a time: a submitted call wakes one
// only if none is, and a worker that takes a call while more are queued wakes the next. A burst of
// calls so costs its hub thread one wake-up, and long calls still spread over the pool.
#include "tpool.hpp"

#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <climits>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "../base/errors.hpp"
#include "../base/scope_exit.hpp"
#include "../base/signal_mask.hpp"

namespace eventlet::tpool {
namespace detail {
namespace {

constexpr int default_size = 20;

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

// Set in the pool's threads.
thread_local bool in_pool = false;

// The pool's size from EVENTLET_THREADPOOL_SIZE, or default_size if it is unset or empty (as
// EVENTLET_HUB is read). Ignored in setuid and setgid programs, like EVENTLET_HUB.
int size_from_environment() {
  const char* env = secure_getenv("EVENTLET_THREADPOOL_SIZE");
  if (!env || !*env) return default_size;
  const char* end = env + std::char_traits<char>::length(env);
  unsigned long value = 0;
  const auto [stop, error] = std::from_chars(env, end, value);
  if (error != std::errc{} || stop != end || value < 1 || value > INT_MAX)
    throw std::invalid_argument("EVENTLET_THREADPOOL_SIZE must be a positive integer, not \"" +
                                std::string(env) + "\"");
  return static_cast<int>(value);
}

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
    r->next = results_.load(std::memory_order_relaxed);
    while (!results_.compare_exchange_weak(r->next, r, std::memory_order_release,
                                           std::memory_order_relaxed)) {
    }
    if (!r->next) hub_->run_callback_threadsafe([self = shared_from_this()] { self->take(); });
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

class pool {
 public:
  pool() { pthread_atfork(&before_fork, &after_fork_in_parent, &after_fork_in_child); }

  // size() is the most threads the pool runs; see known_size().
  int size() {
    std::lock_guard lock(mutex_);
    return known_size();
  }

  // set_size() changes it, for the threads started from now on.
  void set_size(int n) {
    std::lock_guard lock(mutex_);
    size_ = n;
  }

  // submit() queues `r`, taking a reference to it, and wakes or starts a worker if need be.
  // Throws std::invalid_argument for a bad EVENTLET_THREADPOOL_SIZE and std::system_error if a
  // thread cannot start; `r` is then not queued.
  void submit(request* r) {
    worker* woken;
    {
      std::lock_guard lock(mutex_);
      known_size();
      woken = wake_one();
      r->add_ref();
      r->next = nullptr;
      (last_ ? last_->next : first_) = r;
      last_ = r;
      queued_.store(true, std::memory_order_relaxed);
    }
    if (woken) notify(woken);
  }

  // killall() lets the workers finish the queued calls and joins them; throws
  // std::logic_error from a worker, which would wait for itself.
  void killall() {
    if (in_pool)
      throw std::logic_error("tpool::killall from a pool thread: it would wait for itself");
    std::lock_guard one_at_a_time(killall_mutex_);
    std::unique_lock lock(mutex_);
    stopping_ = true;
    // Workers leave once the queue is empty; those started meanwhile are joined in turn.
    while (!workers_.empty()) {
      std::vector<std::unique_ptr<worker>> ending = std::move(workers_);
      workers_.clear();
      std::vector<worker*> idle;
      for (; idle_; idle_ = idle_->next_idle, ++waking_) idle.push_back(idle_);
      lock.unlock();
      for (worker* w : idle) notify(w);
      for (const auto& w : ending) pthread_join(w->thread, nullptr);
      lock.lock();
    }
    stopping_ = false;
  }

 private:
  struct worker {
    worker() noexcept { sem_init(&wake, 0, 0); }
    ~worker() { sem_destroy(&wake); }
    pthread_t thread;
    worker* next_idle = nullptr;
    sem_t wake;  // posted once to wake the worker when idle
  };

  // The size, read from the environment on first use; called with the mutex held.
  int known_size() {
    if (!size_) size_ = size_from_environment();
    return size_;
  }

  // Picks a worker to look at the queue, unless one is already on its way: an idle one, to be
  // notified once the mutex is released, or else a new one if the pool has room. Called with
  // the mutex held; throws std::system_error if a thread cannot start.
  worker* wake_one() {
    if (waking_) return nullptr;
    if (worker* w = idle_) {
      idle_ = w->next_idle;
      ++waking_;
      return w;
    }
    if (workers_.size() < static_cast<std::size_t>(size_)) {
      workers_.reserve(workers_.size() + 1);
      auto w = std::make_unique<worker>();
      const os::block_signals masked;  // the process's signals are for the hubs' threads
      if (const int e = pthread_create(&w->thread, nullptr, &run_worker, w.get()))
        os::throw_error(e, "tpool: cannot start a thread");
      workers_.push_back(std::move(w));
      ++waking_;
    }
    return nullptr;
  }

  static void notify(worker* w) noexcept { sem_post(&w->wake); }

  // Watches the queue for up to spin_time, without the mutex; returns once a call is queued
  // or the time is up.
  void spin() const noexcept {
    const auto until = std::chrono::steady_clock::now() + spin_time;
    for (unsigned i = 1; !queued_.load(std::memory_order_relaxed); ++i) {
      cpu_relax();
      if (i % 64 == 0 && std::chrono::steady_clock::now() >= until) return;
    }
  }

  static void* run_worker(void* w);
  void work(worker* self);

  static void before_fork();
  static void after_fork_in_parent();
  static void after_fork_in_child();

  std::mutex mutex_;
  request* first_ = nullptr;  // queued calls, oldest first
  request* last_ = nullptr;
  worker* idle_ = nullptr;                        // idle workers, most recently idle first
  std::vector<std::unique_ptr<worker>> workers_;  // started and not yet joined
  unsigned waking_ = 0;    // workers woken, started or spinning, not yet looking at the queue
  bool spinning_ = false;  // a worker is in spin()
  std::atomic<bool> queued_{false};  // first_ is not null, for spin() to read without the mutex
  int size_ = 0;                     // 0 until read from the environment
  bool stopping_ = false;            // killall() waits for the workers to leave
  std::mutex killall_mutex_;
};

// The pool is never destroyed: its threads may still run calls while the process exits.
pool& the_pool() {
  static pool& p = *new pool;
  return p;
}

void* pool::run_worker(void* w) {
  in_pool = true;
  the_pool().work(static_cast<worker*>(w));
  return nullptr;
}

void pool::work(worker* self) {
  std::unique_lock lock(mutex_);
  --waking_;
  bool may_spin = true;  // not again right after a spin that found nothing
  for (;;) {
    if (request* r = first_) {
      first_ = r->next;
      if (!first_) {
        last_ = nullptr;
        queued_.store(false, std::memory_order_relaxed);
      }
      worker* next = nullptr;
      if (first_) {
        try {
          next = wake_one();
        } catch (const std::system_error&) {
          // No thread to spare: the running workers, this one included, serve the queue.
        }
      }
      lock.unlock();
      if (next) notify(next);
      r->run();
      const std::shared_ptr<return_address> to = std::move(r->reply);
      to->post(r);
      lock.lock();
      may_spin = true;
      continue;
    }
    if (stopping_) return;
    if (may_spin && !spinning_) {  // counted in waking_, so that submit() wakes nobody else
      spinning_ = true;
      ++waking_;
      lock.unlock();
      spin();
      lock.lock();
      spinning_ = false;
      --waking_;
      may_spin = false;
      continue;
    }
    self->next_idle = idle_;
    idle_ = self;
    lock.unlock();
    while (sem_wait(&self->wake) != 0) {  // EINTR
    }
    lock.lock();
    --waking_;
    may_spin = true;
  }
}

void pool::before_fork() {
  if (tls_return.address) tls_return.address->lock();
}

void pool::after_fork_in_parent() {
  if (tls_return.address) tls_return.address->unlock();
}

// The child has no worker: it forgets them and the calls they would have run, and frees the
// mutexes that a thread which did not survive may hold.
void pool::after_fork_in_child() {
  if (tls_return.address) tls_return.address->unlock();
  pool& p = the_pool();
  new (&p.mutex_) std::mutex;
  new (&p.killall_mutex_) std::mutex;
  p.first_ = p.last_ = nullptr;
  p.idle_ = nullptr;
  p.workers_.clear();
  p.waking_ = 0;
  p.spinning_ = false;
  p.queued_.store(false, std::memory_order_relaxed);
  p.stopping_ = false;
}

}  // namespace

bool on_pool_thread() noexcept { return in_pool; }

void wait_for(request& r) {
  hubs::hub& h = hubs::get_hub();
  h.check_can_block("tpool::execute");
  eventlet::greenlet* self = getcurrent();
  r.reply = return_address_of(h);
  hubs::wakeup me(self);
  r.waiter = &me;
  const scope_exit leave([&r] { r.waiter = nullptr; });  // a caller killed meanwhile abandons it
  the_pool().submit(&r);
  while (!r.done) h.switch_to();
}

}  // namespace detail

int num_threads() { return detail::the_pool().size(); }

void set_num_threads(int n) {
  if (n < 1)
    throw std::invalid_argument("tpool::set_num_threads: the pool needs at least 1 thread, not " +
                                std::to_string(n));
  detail::the_pool().set_size(n);
}

void killall() { detail::the_pool().killall(); }

}  // namespace eventlet::tpool
