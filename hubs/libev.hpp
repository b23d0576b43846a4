// The libev hub on an ev_loop the application owns.
#pragma once

#include <memory>

#include "../base/export.hpp"
#include "backend.hpp"

struct ev_loop;

namespace eventlet::hubs {

// libev_backend() makes a backend that runs on the application's `loop`, which it does not
// own: the application frees it after the hub. The application's own watchers on that loop
// are run by the hub's loop, in the hub greenlet. Pass the result to use_hub(). Throws
// std::invalid_argument for a null loop.
EVENTLET_API std::unique_ptr<backend> libev_backend(struct ev_loop* loop);

}  // namespace eventlet::hubs
