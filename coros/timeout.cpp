#include "timeout.hpp"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <string>

namespace eventlet {
namespace {

std::atomic<std::uint64_t> next_id{1};

// The calling greenlet, which must not be the hub's: a timer would throw into the hub.
eventlet::greenlet* timed_greenlet(const char* what) {
  eventlet::greenlet* self = getcurrent();
  if (self == hubs::get_hub().greenlet())
    throw hubs::hub_error(std::string(what) +
                          " in the hub greenlet: it would throw into the hub itself");
  return self;
}

}  // namespace

timeout::timeout(double seconds) : id_(next_id.fetch_add(1, std::memory_order_relaxed)) {
  if (std::isnan(seconds)) throw std::invalid_argument("timeout: seconds is NaN");
  eventlet::greenlet* self = timed_greenlet("timeout");
  if (seconds < 0) return;
  char what[64];
  std::snprintf(what, sizeof what, "timed out after %g s", seconds);
  timer_ = hubs::get_hub().schedule_call_global(
      seconds, [target = greenlet_ref(*self), id = id_, msg = std::string(what)] {
        if (eventlet::greenlet* g = target.get(); g && *g)
          g->throw_in(std::make_exception_ptr(timeout_error(msg, id)));
      });
}

hubs::timer exc_after(double seconds, std::exception_ptr e) {
  if (!e) throw std::invalid_argument("exc_after: null exception");
  eventlet::greenlet* self = timed_greenlet("exc_after");
  // The greenlet may be gone, or have finished, when the time comes: then nothing happens.
  return hubs::get_hub().schedule_call_global(seconds, [target = greenlet_ref(*self), e] {
    if (eventlet::greenlet* g = target.get(); g && *g) g->throw_in(e);
  });
}

}  // namespace eventlet
