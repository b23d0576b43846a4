#include "greenthread.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <new>

#include "../base/log.hpp"
#include "../base/scope_exit.hpp"
#include "detail/wait_list.hpp"

namespace eventlet {
namespace detail {
namespace {

// What a greenthread that could not have a stack ends by. Made once, up front: out of memory,
// the failures of many greenthreads must not each need an exception object of their own.
class no_stack : public std::bad_alloc {
 public:
  const char* what() const noexcept override {
    return "no memory for the greenthread's stack (RLIMIT_AS or vm.max_map_count reached?)";
  }
};
const std::exception_ptr no_stack_error = std::make_exception_ptr(no_stack());

// The thread's spare core blocks, each core_block bytes (cores of bigger types are allocated
// on their own). The cache stays trivial, for cheap thread-local access; what it holds is
// freed at thread exit by core_cache_owner, after which blocks are freed at once.
constexpr std::size_t core_block = 512, max_spare_cores = 64;
struct core_cache {
  void* spare[max_spare_cores];
  std::size_t count;
  enum : unsigned char { unused, open, closed } state;
};
[[gnu::tls_model("initial-exec")]] constinit thread_local core_cache cores{};

struct core_cache_owner {
  ~core_cache_owner() {
    while (cores.count) ::operator delete(cores.spare[--cores.count]);
    cores.state = core_cache::closed;
  }
};

}  // namespace

void* greenthread_core::operator new(std::size_t size) {
  if (size > core_block) return ::operator new(size);
  if (cores.count) return cores.spare[--cores.count];
  return ::operator new(core_block);
}

void greenthread_core::operator delete(void* p, std::size_t size) noexcept {
  if (size <= core_block && cores.state != core_cache::closed && cores.count < max_spare_cores) {
    if (cores.state == core_cache::unused) {
      static thread_local core_cache_owner owner;  // frees the cache at thread exit
      cores.state = core_cache::open;
    }
    cores.spare[cores.count++] = p;
    return;
  }
  ::operator delete(p);
}

greenthread_core::greenthread_core(void (*destroy)(greenthread_core*),
                                   void (*body)(greenthread_core*), double delay,
                                   const spawn_options* options)
    : hubs::task(greenlet_, &kill_task),
      destroy_(destroy),
      hub_(hubs::get_hub()),
      greenlet_(
          [this, body](std::any) -> std::any {
            body(this);
            return {};
          },
          hub_.greenlet(), options ? options->stack_size : 0) {
  if (std::isnan(delay)) throw std::invalid_argument("spawn_after: delay is NaN");
  if (options && !options->name.empty()) greenlet_.set_name(options->name);
  if (delay > 0)
    start_later_ = hub_.schedule_call_global(delay, [this] { start(); });
  else
    starts_next_ = hub_.idle(), hub_.queue(start_);
  hub_.enlist(*this);
}

// A greenlet blocked until the greenthread finishes: listed among its waiters (finish() queues
// it) and holding a reference, as the handle it was called through may go meanwhile (its owner
// destroyed by another greenthread).
struct greenthread_core::waiting {
  greenthread_core& core;
  waiter me;
  waiting(greenthread_core& c, eventlet::greenlet* self) : core(c), me(self) {
    core.ref();
    me.next = core.waiters_;
    core.waiters_ = &me;
  }
  ~waiting() {
    for (waiter** w = &core.waiters_; *w; w = &(*w)->next)  // still listed unless finish() ran
      if (*w == &me) {
        *w = me.next;
        break;
      }
    if (std::exchange(core.waiter_releases_, false)) core.unref();  // not the last reference
    core.unref();
  }
};

void greenthread_core::wait() {
  check_thread("greenthread::wait");
  observed_ = true;
  if (!done_) {
    hub_.check_can_block("greenthread::wait");
    eventlet::greenlet* self = getcurrent();
    waiting until_done(*this, self);
    const hubs::wait_note note(self, "greenthread");
    while (!done_) block();
  }
  if (error_) std::rethrow_exception(error_);
}

// Suspends a waiter until something resumes it. One waiting for a greenthread whose start is
// still queued, and the next thing the hub would run, starts it directly (a direct hand-off,
// as in wait_list), else the hub runs.
void greenthread_core::block() {
  if (starts_next_ && start_.is_queued() && wait_list::hand_off()) {
    start_.cancel();
    start();
  } else {
    wait_list::through_hub();
    hub_.switch_to();
  }
}

std::size_t greenthread_core::link(std::function<void()> fn, bool observes) {
  check_thread("greenthread::link");
  observed_ = observed_ || observes;
  if (done_) {
    fn();
    return 0;
  }
  links_.emplace_back(next_link_, std::move(fn));
  return next_link_++;
}

bool greenthread_core::unlink(std::size_t id) {
  check_thread("greenthread::unlink");
  return std::erase_if(links_, [id](const auto& l) { return l.first == id; }) > 0;
}

// Switches to the greenlet for the first time. Its stack is taken then, not at spawn: a batch
// of greenthreads that each run to the end one after another reuses one hot stack. When the
// system refuses one (std::bad_alloc), the greenthread finishes with that, never having run.
// The hub greenlet is resumed here later, by whatever switches back to it.
void greenthread_core::start() {
  try {
    greenlet_.switch_to();
  } catch (const std::bad_alloc&) {
    if (greenlet_.started()) throw;  // thrown into the hub later: not this start's
    finish(no_stack_error);
  }
}

void greenthread_core::on_finish(void (*fn)(void*), void* arg) {
  check_thread("greenthread::on_finish");
  if (done_) {
    fn(arg);
    return;
  }
  finish_hook_ = fn;
  finish_arg_ = arg;
}

void greenthread_core::finish(std::exception_ptr error) {
  task::leave();
  done_ = true;
  error_ = std::move(error);
  if (finish_hook_) finish_hook_(finish_arg_);
  for (auto& [id, fn] : std::exchange(links_, {})) {
    try {
      fn();
    } catch (...) {
      hub_.report_exception(std::current_exception(), "a greenthread link");
    }
  }
  // A direct hand-off (as in wait_list): a greenthread finishing on an idle hub with one
  // waiter (a greenthread or the main greenlet: no cycle) makes the waiter its parent, which
  // its greenlet's death then resumes; the waiter drops the greenthread's own reference.
  waiter* w = std::exchange(waiters_, nullptr);
  if (w && !w->next && getcurrent() == &greenlet_ && hub_.idle() &&
      (!w->self->parent() || w->self->parent() == hub_.greenlet()) && wait_list::hand_off()) {
    waiter_releases_ = true;
    greenlet_.set_parent(w->self);
    return;
  }
  // Else on the next pass, when its greenlet has finished and left its stack, the
  // greenthread's own reference goes (the waiters hold handles), then the waiters resume.
  hub_.queue(release_);
  for (; w; w = w->next) hub_.queue(*w);
}

void greenthread_core::kill(std::exception_ptr e) {
  check_thread("greenthread::kill");
  if (done_) return;
  if (!greenlet_.started()) {  // finish it as if its function had thrown `e`, never running
    start_.cancel();
    start_later_.cancel();
    finish(std::move(e));
    return;
  }
  eventlet::greenlet* self = getcurrent();
  if (self == &greenlet_) std::rethrow_exception(e);
  if (self == hub_.greenlet()) {  // the hub cannot wait: it only raises it
    greenlet_.throw_in(std::move(e));
    return;
  }
  // Wait for the death as wait() does: the killed greenthread finishes into the hub, or blocks
  // again while it unwinds; either way the hub resumes us once it has finished.
  waiting until_done(*this, self);
  greenlet_.throw_in(std::move(e));
  while (!done_) hub_.switch_to();
}

bool greenthread_core::cancel() {
  check_thread("greenthread::cancel");
  if (done_ || greenlet_.started()) return false;
  kill(std::make_exception_ptr(greenlet_exit{}));
  return true;
}

// What hub::shutdown() calls.
void greenthread_core::kill_task(hubs::task& t) {
  static_cast<greenthread_core&>(t).kill(std::make_exception_ptr(greenlet_exit{}));
}

// An exception the greenthread ended by, that nobody waited for or linked to: reported once,
// as its last reference goes. A kill's greenlet_exit is not news.
void greenthread_core::report_unobserved() noexcept {
  try {
    std::rethrow_exception(error_);
  } catch (const greenlet_exit&) {
    return;
  } catch (...) {
  }
  try {
    char unnamed[48];
    std::snprintf(unnamed, sizeof unnamed, "an unnamed greenthread at %p",
                  static_cast<void*>(&greenlet_));
    const std::string where =
        (greenlet_.name().empty() ? unnamed : "greenthread '" + greenlet_.name() + "'") +
        " (nobody waited for it)";
    if (hubs::current_hub() == &hub_)
      hub_.report_exception(error_, where);
    else  // dropped on another thread, or with its hub shut down: no handler to ask
      log(log_level::error, "exception in " + where);
  } catch (...) {
  }
}

}  // namespace detail

void detail::sleep_for(double seconds) {
  if (std::isnan(seconds)) throw std::invalid_argument("sleep: seconds is NaN");
  if (seconds < 0) return eventlet::sleep(0);
  hubs::hub& h = hubs::get_hub();
  h.check_can_block("sleep");
  eventlet::greenlet* self = getcurrent();
  hubs::timer t = h.schedule_switch(seconds, self);
  const scope_exit cancel([&t] { t.cancel(); });
  const hubs::wait_note note(self, "sleep");
  h.switch_to();
}

hubs::timer call_after(double seconds, std::function<void()> fn) {
  return hubs::get_hub().schedule_call_global(seconds, std::move(fn));
}

}  // namespace eventlet
