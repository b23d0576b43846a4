// embed_stop: how the embed examples, whose libevent loop the application runs itself
// (embed::join), stop on SIGINT and SIGTERM, as the other example servers do (stop_signal.hpp):
// they stop accepting, close their connections and exit with status 0.
//
//   event_base* base = event_base_new();
//   auto joined = eventlet::embed::join(base);
//   examples::loop_stopper stopper(base, [&] { evconnlistener_disable(listener); });
//   ...                                    // then announce() and serve
//   event_base_dispatch(base);            // returns once the greenthreads have ended
//   joined.leave();
//   event_base_free(base);
//
// On the signal, in loop context, the loop stops accepting; then a greenthread kills every other
// greenthread of the thread (the connections' relays, the backdoor console) while the loop
// still runs, so that the transports they hold go before the loop does, and ends the loop.
#pragma once

#include <event2/event.h>
#include <signal.h>

#include <functional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "coros/greenthread.hpp"
#include "embed/defer.hpp"
#include "hubs/hub.hpp"

namespace examples {

class loop_stopper {
 public:
  // loop_stopper() adds SIGINT and SIGTERM events to `base` (the joined loop): add it before
  // announcing, so that a signal sent as soon as the program listens is handled. On the first
  // signal it calls `stop_accepting` in loop context, ends the thread's other greenthreads and
  // then the loop. Throws std::runtime_error when libevent refuses the events.
  loop_stopper(event_base* base, std::function<void()> stop_accepting)
      : base_(base), stop_accepting_(std::move(stop_accepting)) {
    for (int signo : {SIGINT, SIGTERM}) {
      ::event* e = evsignal_new(base, signo, &on_signal, this);
      if (!e || event_add(e, nullptr) != 0) {
        if (e) event_free(e);
        throw std::runtime_error("cannot watch the stop signals in the loop");
      }
      events_.push_back(e);
    }
  }
  loop_stopper(const loop_stopper&) = delete;
  loop_stopper& operator=(const loop_stopper&) = delete;
  // ~loop_stopper() frees the signal events: before the loop is freed.
  ~loop_stopper() {
    for (::event* e : events_) event_free(e);
  }

 private:
  static void on_signal(evutil_socket_t, short, void* arg) {
    auto* self = static_cast<loop_stopper*>(arg);
    if (self->stopping_) return;
    self->stopping_ = true;
    self->stop_accepting_();
    eventlet::embed::call_in_green_thread([base = self->base_] {
      end_other_greenthreads();
      event_base_loopexit(base, nullptr);
    });
  }

  // end_other_greenthreads() kills the thread's greenthreads but the caller, oldest first,
  // until none is left (a killed one may have spawned more).
  static void end_other_greenthreads() {
    for (;;) {
      eventlet::hubs::task* victim = nullptr;
      for (eventlet::hubs::task* t : eventlet::hubs::get_hub().tasks())
        if (&t->greenlet() != eventlet::getcurrent()) {
          victim = t;
          break;
        }
      if (!victim) return;
      victim->kill();
    }
  }

  event_base* base_;
  std::function<void()> stop_accepting_;
  std::vector<::event*> events_;
  bool stopping_ = false;
};

}  // namespace examples
