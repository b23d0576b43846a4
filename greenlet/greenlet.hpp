// class greenlet: a stackful coroutine with the semantics of Python's greenlet.
//
// Every OS thread has a main greenlet (the thread's own stack). A greenlet runs its function on
// a stack of its own when first switched to; switch_to() suspends the caller and resumes the
// target, passing a value. Each greenlet has a parent, by default the greenlet that created it:
// when a greenlet's function returns, the value goes to the parent (its pending switch_to()
// returns it); when it throws, the exception goes to the parent (its pending switch_to()
// rethrows it) -- except greenlet_exit, which arrives as a value. A greenlet belongs to the
// thread that created it.
#pragma once

#include <any>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "../base/export.hpp"
#include "context.hpp"
#include "detail/stack.hpp"

namespace eventlet {

namespace hubs {
class task;
}  // namespace hubs

// greenlet_error reports a switch that cannot happen: to a dead greenlet, or to a greenlet of
// another thread.
class EVENTLET_API greenlet_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// greenlet_exit is thrown into a greenlet to kill it. Like Python's GreenletExit (a
// BaseException), it does not derive from std::exception, so `catch (const std::exception&)`
// does not swallow a kill. If it escapes a greenlet's function, the parent receives it as the
// greenlet's value.
struct EVENTLET_API greenlet_exit {};

class greenlet;

namespace detail {
struct switcher;
struct thread_state;
struct greenlet_anchor;

// The C++ runtime's per-thread exception globals, as laid out by the Itanium C++ ABI (2.2.1):
// the stack of caught exceptions and the count of uncaught ones. A greenlet's catch blocks and
// unwinding must not be seen by another greenlet, so switches save and restore them.
struct eh_globals {
  void* caught;
  unsigned int uncaught;
};

// What the inline switch needs of its thread; the rest of the thread's state is private.
struct switch_state {
  greenlet* current;  // the running greenlet
  greenlet* from;     // the greenlet the switch under way leaves
  std::uint64_t id;   // this thread's number, to tell greenlets of other threads
  eh_globals* eh;     // this thread's C++ exception globals
  bool traced;        // a settrace() function is set: switches take the out-of-line path
};

// The calling thread's state; null until the thread first uses greenlets.
[[gnu::tls_model("initial-exec")]] EVENTLET_API extern constinit thread_local switch_state* tls;

// Sanitizer builds take the out-of-line switch, which carries the fiber annotations.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool inline_switch = false;
#else
inline constexpr bool inline_switch = true;
#endif
}  // namespace detail

class EVENTLET_API greenlet {
 public:
  using function = std::function<std::any(std::any)>;

  // greenlet() makes a greenlet that will call `run` with the value of the first switch to it.
  // `parent` defaults to the calling thread's current greenlet; `stack_size` 0 means
  // default_stack_size(). Nothing runs and no stack is taken until the first switch. Throws
  // std::invalid_argument for an empty `run`, a bad stack size, or a parent of another thread.
  explicit greenlet(function run, greenlet* parent = nullptr, std::size_t stack_size = 0);

  // ~greenlet() kills a started, unfinished greenlet by throwing greenlet_exit into it (with
  // the caller as its parent), so the destructors on its stack run; its children are handed to
  // its parent. Destroyed on another thread, a suspended greenlet cannot be unwound: a warning
  // is printed and its stack is leaked.
  ~greenlet();

  greenlet(const greenlet&) = delete;
  greenlet& operator=(const greenlet&) = delete;

  // switch_to() suspends the current greenlet and resumes this one: a suspended greenlet's
  // pending switch_to() returns `value`; an unstarted one starts with `value` as its argument.
  // Returns the value the current greenlet is later resumed with, or rethrows the exception it
  // is resumed with. Throws greenlet_error if this greenlet is dead or of another thread, and
  // std::bad_alloc, the greenlet left unstarted, if the system refuses memory for its stack.
  std::any switch_to(std::any value = {}) {
    // Inline, so that the caller is resumed by the assembly's indirect jump and no `ret` of
    // ours is mispredicted from the other greenlet's return stack.
    detail::switch_state* ts = detail::tls;
    if (!detail::inline_switch || !ts || thread_id_ != ts->id || state_ != state::active ||
        this == ts->current || ts->traced) [[unlikely]]
      return switch_checked(std::move(value));
    greenlet* self = ts->current;
    take_exception_state(*ts->eh, self);
    ts->from = self;
    ts->current = this;
    const eventlet_transfer t = eventlet_jump_context(ctx_, &value);
    ts->from->ctx_ = t.from;
    return std::move(*static_cast<std::any*>(t.data));
  }

  // throw_in() suspends the current greenlet and raises `e` in this one, from its pending
  // switch_to(). An unstarted greenlet dies without running, and `e` goes to its parent as if
  // thrown by its function. Returns and throws like switch_to(); throws greenlet_error if this
  // greenlet is dead or of another thread, std::invalid_argument if `e` is null.
  std::any throw_in(std::exception_ptr e = std::make_exception_ptr(greenlet_exit{}));

  // parent() is the greenlet that receives this one's result; null only for a main greenlet.
  greenlet* parent() const noexcept { return parent_; }

  // set_parent() changes the parent. Throws std::invalid_argument for null, for a change that
  // would make a cycle, or on a main greenlet, and greenlet_error for a parent of another thread.
  void set_parent(greenlet* parent);

  // started() tells whether this greenlet has been switched to (a main greenlet always has).
  bool started() const noexcept { return state_ != state::unstarted; }

  // dead() tells whether this greenlet's function has finished, or it was killed unstarted.
  bool dead() const noexcept { return state_ == state::dead; }

  // True while the greenlet is started and not dead.
  explicit operator bool() const noexcept { return state_ == state::active; }

  // name() is the name given by set_name(), used in diagnostics; empty by default.
  const std::string& name() const noexcept { return name_; }

  // set_name() names the greenlet for diagnostics (stack overflow, blocking reports).
  void set_name(std::string name) { name_ = std::move(name); }

  // task() is the hub's record of the greenthread running in this greenlet (hubs/task.hpp):
  // set by hubs::hub::enlist(), null for any other greenlet.
  hubs::task* task() const noexcept { return task_; }
  void set_task(hubs::task* t) noexcept { task_ = t; }

  // backtrace() stores in `frames` up to `max` return addresses of where this suspended
  // greenlet waits, innermost first, and returns how many. A probe runs on the greenlet's own
  // stack, below its saved frame and with its saved registers, takes the trace with glibc's
  // backtrace() and switches straight back; the saved frame is then put back as it was, so
  // the greenlet resumes as if nothing happened and the switch path carries no check for it.
  // Throws greenlet_error unless the greenlet is suspended (started, not dead, not the running
  // one) and of the calling thread, when less than 16 KiB of its stack is left for the probe,
  // or in a build with the ucontext switch (-Dcontext=ucontext), which has no saved frame to
  // probe; std::invalid_argument for a negative `max`.
  int backtrace(void** frames, int max);

  // locals() is this greenlet's storage for green-thread-local values (coros/local.hpp),
  // keyed by each local's id: made on first use, freed with the greenlet.
  std::unordered_map<std::uint64_t, std::any>& locals() {
    if (!locals_) locals_ = std::make_unique<std::unordered_map<std::uint64_t, std::any>>();
    return *locals_;
  }

 private:
  friend struct detail::switcher;
  friend struct detail::thread_state;
  enum class state : unsigned char { unstarted, active, dead };
  struct main_tag {};
  greenlet(main_tag, std::uint64_t thread_id) noexcept;
  std::any switch_checked(std::any value);

  // Moves the running greenlet's C++ exception state (the runtime's globals) into `self` and
  // this greenlet's into the globals. Only a greenlet inside a catch block or unwinding has
  // any, so usually nothing is stored. A running greenlet's saved fields are always empty.
  void take_exception_state(detail::eh_globals& eh, greenlet* self) noexcept {
    if (eh.caught || eh.uncaught || eh_caught_ || eh_uncaught_) [[unlikely]] {
      self->eh_caught_ = eh.caught;
      self->eh_uncaught_ = eh.uncaught;
      eh.caught = eh_caught_;
      eh.uncaught = eh_uncaught_;
      eh_caught_ = nullptr;
      eh_uncaught_ = 0;
    }
  }

  void link_to(greenlet* parent) noexcept;
  void unlink() noexcept;
  friend class greenlet_ref;

  function run_;
  greenlet* parent_ = nullptr;
  greenlet* first_child_ = nullptr;  // the greenlets whose parent this is, as a list
  greenlet* next_sibling_ = nullptr;
  greenlet* prev_sibling_ = nullptr;
  eventlet_context ctx_ = nullptr;  // where it resumes, while suspended
  detail::stack stack_;             // size is set before start, base while started
  std::uint64_t thread_id_;         // the thread it belongs to
  void* eh_caught_ = nullptr;       // its C++ exception globals while it is suspended
  unsigned int eh_uncaught_ = 0;
  state state_ = state::unstarted;
  void* sanitizer_ = nullptr;  // ASan fake stack or TSan fiber, in sanitizer builds
  std::string name_;
  std::unique_ptr<std::unordered_map<std::uint64_t, std::any>> locals_;
  detail::greenlet_anchor* anchor_ = nullptr;  // what greenlet_refs to it share, made on demand
  hubs::task* task_ = nullptr;                 // the hub's record of its greenthread
};

// A reference to a greenlet that knows when the greenlet is gone: for a timer that must not
// throw into a greenlet destroyed since it was set. Used on the greenlet's thread only.
class EVENTLET_API greenlet_ref {
 public:
  greenlet_ref() noexcept = default;
  // greenlet_ref() refers to `g`. Throws std::bad_alloc.
  explicit greenlet_ref(greenlet& g);
  greenlet_ref(const greenlet_ref& other) noexcept;
  greenlet_ref& operator=(const greenlet_ref& other) noexcept;
  ~greenlet_ref();

  // get() is the greenlet, or null once it has been destroyed (or for an empty reference).
  greenlet* get() const noexcept;

 private:
  detail::greenlet_anchor* anchor_ = nullptr;
};

namespace detail {
EVENTLET_API greenlet* first_getcurrent();
}  // namespace detail

// getcurrent() returns the calling thread's running greenlet (its main greenlet if no other).
inline greenlet* getcurrent() {
  detail::switch_state* ts = detail::tls;
  return ts ? ts->current : detail::first_getcurrent();
}

// current_thread_id() numbers the calling thread as its greenlets are numbered (from 1, never
// reused); 0 while the thread has made no greenlet call yet. What "this greenlet's thread"
// checks compare.
inline std::uint64_t current_thread_id() noexcept {
  const detail::switch_state* ts = detail::tls;
  return ts ? ts->id : 0;
}

// A function called on every switch of its thread, before the switch, with the greenlet left
// and the greenlet resumed (like Python's greenlet.settrace).
using trace_function = std::function<void(greenlet* origin, greenlet* target)>;

// settrace() sets the calling thread's trace function (empty: none) and returns the previous
// one. Tracing makes switches slower; it is meant for diagnostics such as blocking detection.
EVENTLET_API trace_function settrace(trace_function fn);

// default_stack_size() is the stack size of greenlets made with stack_size 0 (256 KiB unless
// changed). Stacks reserve address space; only the pages a greenlet touches use memory.
EVENTLET_API std::size_t default_stack_size() noexcept;

// set_default_stack_size() changes it for greenlets made afterwards, in every thread; the size
// is rounded up to whole pages. Throws std::invalid_argument below 16 KiB or above 1 GiB.
EVENTLET_API void set_default_stack_size(std::size_t bytes);

}  // namespace eventlet
