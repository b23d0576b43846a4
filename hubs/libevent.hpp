// The libevent hub on an event_base the application owns.
#pragma once

#include <memory>

#include "../base/export.hpp"
#include "backend.hpp"

struct event_base;

namespace eventlet::hubs {

// libevent_backend() makes a backend that runs on the application's `base`, which it does not
// own: the application frees it after the hub. The application's own events on that base are
// dispatched by the hub's loop, in the hub greenlet. Pass the result to use_hub(). Throws
// std::invalid_argument for a null base.
EVENTLET_API std::unique_ptr<backend> libevent_backend(event_base* base);

}  // namespace eventlet::hubs
