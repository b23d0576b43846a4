#include "greenlet.hpp"

#include <cxxabi.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

#include "../base/log.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace eventlet {
namespace detail {
namespace {

std::atomic<std::size_t> default_size{256 * 1024};
std::atomic<std::uint64_t> next_thread_id{1};

}  // namespace

constinit thread_local switch_state* tls = nullptr;

// What a greenlet and the greenlet_refs to it share: the greenlet, until it is destroyed.
struct greenlet_anchor {
  greenlet* target;
  unsigned refs;
};

namespace {
void drop(greenlet_anchor* a) noexcept {
  if (--a->refs == 0) delete a;
}
}  // namespace

// All that one thread's greenlets share: the switch state, the value of a finished greenlet or
// the exception a throwing switch carries, the hot stack cache and the main greenlet.
struct thread_state : switch_state {
  thread_state()
      : switch_state{&main, nullptr, next_thread_id.fetch_add(1, std::memory_order_relaxed),
                     reinterpret_cast<eh_globals*>(abi::__cxa_get_globals()), false},
        main(greenlet::main_tag{}, id) {
#if defined(__SANITIZE_THREAD__)
    main.sanitizer_ = __tsan_get_current_fiber();
#endif
  }

  std::any value;            // a finished greenlet's result, on its way to the heir
  std::exception_ptr error;  // the exception a throwing switch carries
  trace_function trace;
  stack_cache stacks;
  const void* main_stack_bottom = nullptr;  // learned by ASan on the first switch away
  std::size_t main_stack_size = 0;
  std::unique_ptr<char[]> signal_stack;
  greenlet main;
};

namespace {

void install_overflow_handler(thread_state& ts);

// Owns the thread's state; destroyed at thread exit.
struct state_owner {
  std::unique_ptr<thread_state> state;
  ~state_owner() {
    tls = nullptr;
    if (state && state->signal_stack) {
      stack_t none{};
      none.ss_flags = SS_DISABLE;
      sigaltstack(&none, nullptr);
    }
  }
};
thread_local state_owner tls_owner;

[[gnu::noinline]] thread_state& make_state() {
  tls_owner.state = std::make_unique<thread_state>();
  tls = tls_owner.state.get();
  install_overflow_handler(*tls_owner.state);
  return *tls_owner.state;
}

// The calling thread's state, made on first use.
inline thread_state& state() { return tls ? static_cast<thread_state&>(*tls) : make_state(); }

// The calling thread's state if it has one, else null.
inline thread_state* existing_state() { return static_cast<thread_state*>(tls); }

// describe() names a greenlet in messages: "greenlet 'name' at 0x..." or "unnamed greenlet at
// 0x...".
std::string describe(const greenlet& g) {
  char at[32];
  std::snprintf(at, sizeof at, " at %p", static_cast<const void*>(&g));
  return (g.name().empty() ? "unnamed greenlet" : "greenlet '" + g.name() + "'") + at;
}

[[noreturn]] void fatal(const char* what, const greenlet& g) {
  log(log_level::error, std::string(what) + " (" + describe(g) + ")");
  std::abort();
}

// Stack overflow reports. A fault in the guard zone of the running greenlet's stack is reported
// with the greenlet's name; the handler then restores the default action and returns, so the
// faulting instruction faults again and the process dies of SIGSEGV as it would have. Other
// faults go to whatever handler was installed before.
struct sigaction previous_segv;

void write_str(const char* s) { (void)!write(STDERR_FILENO, s, std::strlen(s)); }

void write_num(std::uintptr_t n, int base) {
  char buf[32];
  char* p = buf + sizeof buf;
  *--p = '\0';
  do *--p = "0123456789abcdef"[n % base];
  while (n /= base);
  write_str(p);
}

}  // namespace

struct switcher {
  using ontop_fn = eventlet_transfer (*)(eventlet_transfer);

  static thread_state& owner_state(const greenlet& g) {
    thread_state& ts = state();
    if (g.thread_id_ != ts.id)
      throw greenlet_error("cannot switch to a greenlet of another thread");
    if (g.dead())
      throw greenlet_error("cannot switch to a dead greenlet: it has nothing to resume");
    return ts;
  }

  // Suspends the current greenlet and resumes `target` with `*value`, first running `fn` on top
  // of it if given; returns the value the current greenlet is resumed with. A switch's data
  // pointer always points at the std::any the resumed side moves its value from.
  static std::any resume(thread_state& ts, greenlet* target, std::any* value, ontop_fn fn) {
    greenlet* self = ts.current;
    if (ts.traced) ts.trace(self, target);
    if (target->state_ == greenlet::state::unstarted) start(ts, target);
    target->take_exception_state(*ts.eh, self);
    ts.from = self;
    ts.current = target;
    leave_for(ts, self, target);
    const eventlet_transfer t = fn ? eventlet_ontop_context(target->ctx_, value, fn)
                                   : eventlet_jump_context(target->ctx_, value);
    arrive(ts, t);
    return std::move(*static_cast<std::any*>(t.data));
  }

  static void start(thread_state& ts, greenlet* g) {
    g->stack_ = ts.stacks.allocate(g->stack_.size);
    g->ctx_ = eventlet_make_context(g->stack_.top(), g->stack_.size, &entry);
    g->state_ = greenlet::state::active;
#if defined(__SANITIZE_THREAD__)
    g->sanitizer_ = __tsan_create_fiber(0);
#endif
  }

  // Bookkeeping on the resumed side of every switch.
  static void arrive(thread_state& ts, eventlet_transfer t) {
    ts.from->ctx_ = t.from;
#if defined(__SANITIZE_ADDRESS__)
    const void* bottom;
    std::size_t size;
    __sanitizer_finish_switch_fiber(ts.current->sanitizer_, &bottom, &size);
    if (ts.from == &ts.main) {
      ts.main_stack_bottom = bottom;
      ts.main_stack_size = size;
    }
#endif
  }

  static void leave_for(thread_state& ts, greenlet* self, greenlet* target) {
#if defined(__SANITIZE_ADDRESS__)
    const bool to_main = target == &ts.main;
    __sanitizer_start_switch_fiber(self->dead() ? nullptr : &self->sanitizer_,
                                   to_main ? ts.main_stack_bottom : target->stack_.base,
                                   to_main ? ts.main_stack_size : target->stack_.size);
#elif defined(__SANITIZE_THREAD__)
    (void)ts, (void)self;
    __tsan_switch_to_fiber(target->sanitizer_, 0);
#else
    (void)ts, (void)self, (void)target;
#endif
  }

  // The first code a greenlet runs on its own stack.
  [[noreturn]] static void entry(eventlet_transfer t) {
    thread_state& ts = *existing_state();
    arrive(ts, t);
    greenlet* self = ts.current;
    bool failed = false;
    try {
      const greenlet::function run = std::move(self->run_);
      ts.value = run(std::move(*static_cast<std::any*>(t.data)));
    } catch (const greenlet_exit& e) {
      ts.value = e;
    } catch (...) {
      ts.error = std::current_exception();
      failed = true;
    }
    self->state_ = greenlet::state::dead;
    resume(ts, heir(self, failed), &ts.value, failed ? &finish_throwing : &finish);
    fatal("a dead greenlet was resumed", *self);
  }

  // Where the outcome of `g`'s death goes: its nearest ancestor that is not dead. An exception
  // kills the unstarted ancestors it passes, as throwing into them would.
  static greenlet* heir(greenlet* g, bool failed) {
    greenlet* p = g->parent_;
    while (p->dead() || (failed && !p->started())) {
      if (!p->dead()) kill_unstarted(p);
      p = p->parent_;
    }
    return p;
  }

  static void kill_unstarted(greenlet* g) {
    g->state_ = greenlet::state::dead;
    g->run_ = nullptr;
  }

  // Delivers the death of greenlet `g` by exception `e` (which never ran) to its heir.
  static std::any deliver(thread_state& ts, greenlet* g, std::exception_ptr e) {
    bool failed = false;
    try {
      std::rethrow_exception(e);
    } catch (const greenlet_exit& x) {
      ts.value = x;
    } catch (...) {
      failed = true;
    }
    greenlet* h = heir(g, failed);
    if (h == ts.current) {
      if (failed) std::rethrow_exception(e);
      return std::move(ts.value);
    }
    if (!failed) return resume(ts, h, &ts.value, nullptr);
    ts.error = std::move(e);
    return resume(ts, h, nullptr, &throw_here);
  }

  // Run on top of a greenlet: the greenlet left is dead, so its stack goes back to the cache.
  static eventlet_transfer finish(eventlet_transfer t) {
    thread_state& ts = *existing_state();
    greenlet* dead = ts.from;
    ts.stacks.release(dead->stack_);
    dead->stack_.base = nullptr;
#if defined(__SANITIZE_THREAD__)
    __tsan_destroy_fiber(dead->sanitizer_);
    dead->sanitizer_ = nullptr;
#endif
    return t;
  }

  // Like finish(), then raises the dead greenlet's exception in the resumed one.
  static eventlet_transfer finish_throwing(eventlet_transfer t) { return throw_here(finish(t)); }

  // Run on top of a greenlet: raises the switch's exception in it, from its pending switch.
  static eventlet_transfer throw_here(eventlet_transfer t) {
    thread_state& ts = *existing_state();
    arrive(ts, t);
    std::exception_ptr e = std::move(ts.error);
    std::rethrow_exception(e);
  }

  static void on_segv(int sig, siginfo_t* info, void* context) {
    thread_state* ts = existing_state();
    if (ts && detail::in_guard(ts->current->stack_, info->si_addr)) {
      const greenlet& g = *ts->current;
      write_str("eventlet: stack overflow in greenlet '");
      write_str(g.name_.empty() ? "(unnamed)" : g.name_.c_str());
      write_str("' at 0x");
      write_num(reinterpret_cast<std::uintptr_t>(&g), 16);
      write_str(" (stack of ");
      write_num(g.stack_.size, 10);
      write_str(" bytes; give it a larger stack_size)\n");
      signal(SIGSEGV, SIG_DFL);
      return;
    }
    if (previous_segv.sa_flags & SA_SIGINFO) {
      previous_segv.sa_sigaction(sig, info, context);
    } else if (previous_segv.sa_handler == SIG_DFL || previous_segv.sa_handler == SIG_IGN) {
      signal(SIGSEGV, SIG_DFL);  // return and fault again, now fatally
    } else {
      previous_segv.sa_handler(sig);
    }
  }
};

namespace {

// The handler runs on an alternate signal stack, as the faulting stack has no room left. A
// thread that already has one (installed by the program or a sanitizer) keeps it.
void install_overflow_handler(thread_state& ts) {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = &switcher::on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &previous_segv);
  });
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;
  const std::size_t size = 64 * 1024;
  ts.signal_stack = std::make_unique<char[]>(size);
  stack_t alt{};
  alt.ss_sp = ts.signal_stack.get();
  alt.ss_size = size;
  sigaltstack(&alt, nullptr);
}

}  // namespace
}  // namespace detail

using detail::switcher;

greenlet::greenlet(function run, greenlet* parent, std::size_t stack_size) : run_(std::move(run)) {
  if (!run_) throw std::invalid_argument("a greenlet needs a function to run");
  stack_.size = stack_size ? detail::round_stack_size(stack_size) : default_stack_size();
  detail::thread_state& ts = detail::state();
  thread_id_ = ts.id;
  greenlet* p = parent ? parent : ts.current;
  if (p->thread_id_ != thread_id_)
    throw std::invalid_argument("a greenlet's parent must belong to the same thread");
  link_to(p);
}

greenlet::greenlet(main_tag, std::uint64_t thread_id) noexcept
    : thread_id_(thread_id), state_(state::active) {}

greenlet::~greenlet() {
  detail::thread_state* ts = detail::existing_state();
  const bool own_thread = ts && ts->id == thread_id_;
  // Children go to the parent first: then the running greenlet is no descendant of this one
  // and can become its parent for the kill.
  while (first_child_) first_child_->link_to(parent_);
  if (state_ == state::active && parent_) {
    if (!own_thread) {
      log(log_level::warning, detail::describe(*this) +
                                  " destroyed on another thread while suspended: it cannot be "
                                  "unwound, and its stack is leaked");
    } else if (ts->current == this) {
      detail::fatal("a running greenlet was destroyed", *this);
    } else {
      link_to(ts->current);
      try {
        throw_in();
      } catch (...) {
        log(log_level::warning, "an exception escaped " + detail::describe(*this) +
                                    " as its destructor killed it; it is dropped");
      }
      if (!dead())
        log(log_level::warning,
            detail::describe(*this) +
                " survived greenlet_exit in its destructor; its stack is leaked");
    }
  }
  while (first_child_) first_child_->link_to(parent_);
  unlink();
  if (anchor_) {
    anchor_->target = nullptr;
    detail::drop(anchor_);
  }
}

greenlet_ref::greenlet_ref(greenlet& g) {
  if (!g.anchor_) g.anchor_ = new detail::greenlet_anchor{&g, 1};
  anchor_ = g.anchor_;
  ++anchor_->refs;
}

greenlet_ref::greenlet_ref(const greenlet_ref& other) noexcept : anchor_(other.anchor_) {
  if (anchor_) ++anchor_->refs;
}

greenlet_ref& greenlet_ref::operator=(const greenlet_ref& other) noexcept {
  if (other.anchor_) ++other.anchor_->refs;
  if (anchor_) detail::drop(anchor_);
  anchor_ = other.anchor_;
  return *this;
}

greenlet_ref::~greenlet_ref() {
  if (anchor_) detail::drop(anchor_);
}

greenlet* greenlet_ref::get() const noexcept { return anchor_ ? anchor_->target : nullptr; }

void greenlet::link_to(greenlet* parent) noexcept {
  unlink();
  parent_ = parent;
  if (!parent) return;
  next_sibling_ = parent->first_child_;
  if (next_sibling_) next_sibling_->prev_sibling_ = this;
  parent->first_child_ = this;
}

void greenlet::unlink() noexcept {
  if (prev_sibling_)
    prev_sibling_->next_sibling_ = next_sibling_;
  else if (parent_ && parent_->first_child_ == this)
    parent_->first_child_ = next_sibling_;
  if (next_sibling_) next_sibling_->prev_sibling_ = prev_sibling_;
  prev_sibling_ = next_sibling_ = nullptr;
  parent_ = nullptr;
}

std::any greenlet::switch_checked(std::any value) {
  detail::thread_state& ts = switcher::owner_state(*this);
  if (this == ts.current) return value;
  return switcher::resume(ts, this, &value, nullptr);
}

std::any greenlet::throw_in(std::exception_ptr e) {
  if (!e) throw std::invalid_argument("throw_in() needs an exception");
  detail::thread_state& ts = switcher::owner_state(*this);
  if (state_ == state::unstarted) {
    switcher::kill_unstarted(this);
    return switcher::deliver(ts, this, e);
  }
  if (this == ts.current) std::rethrow_exception(e);
  ts.error = std::move(e);
  return switcher::resume(ts, this, nullptr, &switcher::throw_here);
}

void greenlet::set_parent(greenlet* parent) {
  if (!parent) throw std::invalid_argument("a greenlet's parent cannot be null");
  if (!parent_) throw std::invalid_argument("a main greenlet has no parent");
  if (thread_id_ != detail::state().id || parent->thread_id_ != thread_id_)
    throw greenlet_error("a greenlet's parent must belong to the same thread");
  for (greenlet* p = parent; p; p = p->parent_)
    if (p == this) throw std::invalid_argument("cyclic parent chain");
  link_to(parent);
}

greenlet* detail::first_getcurrent() { return detail::state().current; }

trace_function settrace(trace_function fn) {
  detail::thread_state& ts = detail::state();
  std::swap(ts.trace, fn);
  ts.traced = static_cast<bool>(ts.trace);
  return fn;
}

std::size_t default_stack_size() noexcept {
  return detail::default_size.load(std::memory_order_relaxed);
}

void set_default_stack_size(std::size_t bytes) {
  detail::default_size.store(detail::round_stack_size(bytes), std::memory_order_relaxed);
}

}  // namespace eventlet
