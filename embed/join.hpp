// join(): greenthreads inside an event loop the application runs itself (the seed's
// join_reactor). The application keeps calling event_base_dispatch() or ev_run() from its main
// thread; greenthreads spawned on that thread run inside that loop.
//
//   event_base* base = event_base_new();
//   auto joined = eventlet::embed::join(base);     // the thread's hub now lives in `base`
//   eventlet::spawn([] { eventlet::sleep(0.1); });  // runs once the loop runs
//   event_base_dispatch(base);                      // until event_base_loopexit()
//   joined.leave();                                 // before event_base_free(base)
//
// Leaving kills the greenthreads still there (see leave()): end those that hold the loop's
// objects (green_transport) while the loop runs, then leave, then free the loop.
//
// While joined, the hub keeps one timer in the loop for its earliest deadline and one event
// per fd it watches; it runs from the loop's callbacks and never makes the loop spin when
// nothing is runnable. Loop callbacks run in the main greenlet, which must never block: there
// spawning, event::send(), queue::put_nowait(), ready()/poll() and wait(0) work, and any call
// that would block throws hubs::blocking_call_error (a hubs::hub_error) naming the call; use
// defer_to_green_thread() (defer.hpp) instead. The loop does not return by itself while joined
// (the hub's wake-up fd is one of its events): end it with event_base_loopexit() or ev_break().
//
// The other way, the hub running the application's loop in its own greenlet, is
// hubs::use_hub(hubs::libevent_backend(base)) (or libev_backend(loop)); the rest of embed/
// works both ways.
#pragma once

#include "../base/export.hpp"

struct event_base;
struct ev_loop;

namespace eventlet::embed {

namespace detail {
struct join_tag {};
}  // namespace detail

// The handle join() returns: the thread's hub stays joined to the loop until leave() or the
// handle's destruction.
class EVENTLET_API joined_loop {
 public:
  // joined_loop() is made by join().
  explicit joined_loop(detail::join_tag) noexcept {}
  joined_loop(joined_loop&& other) noexcept : active_(other.active_) { other.active_ = false; }
  joined_loop& operator=(joined_loop&&) = delete;
  // ~joined_loop() leaves the loop if leave() was not called (an error is logged, not thrown).
  ~joined_loop();

  // leave() is embed::leave(); a no-op once left. Throws what embed::leave() throws.
  void leave();

 private:
  bool active_ = true;
};

// join() joins the calling thread's hub to the application's libevent `base`: from now on the
// hub runs inside that loop whenever the application runs it. Call it in the thread's main
// greenlet. Throws std::invalid_argument for a null base, hubs::hub_error when the hub already
// joined a loop, from a greenthread or from another greenlet than the main one,
// std::system_error when libevent refuses an event.
[[nodiscard]] EVENTLET_API joined_loop join(event_base* base);

// join() joins the hub to the application's libev `loop` the same way. Throws as above.
[[nodiscard]] EVENTLET_API joined_loop join(struct ev_loop* loop);

// leave() ends the calling thread's join: it unregisters every event of the hub's from the
// application's loop, which the application may then free, and puts the hub back on the
// backend it had before join(). Greenthreads still there are reported (a warning to the log
// hook, base/log.hpp, naming them) and killed before leave() returns, as hubs::shutdown()
// kills them: their destructors run while the loop still exists (not while it runs), so that a
// green_transport they hold frees its bufferevent before the loop goes; pending timers and
// calls go with them (the hub is shut down and opened again). The rule for applications: end
// the greenthreads that use the loop (kill them, or have them return) while the loop still
// runs, then leave, then free the loop; leave() only makes the forgotten ones safe. A no-op
// when not joined. Throws hubs::hub_error inside one of the loop's callbacks (end the loop
// first) or from another greenlet than the main one.
EVENTLET_API void leave();

// joined() says whether the calling thread's hub is joined to an application's loop.
EVENTLET_API bool joined() noexcept;

}  // namespace eventlet::embed
