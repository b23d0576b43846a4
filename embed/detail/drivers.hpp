// The two loop drivers. Private to embed/.
#pragma once

#include <memory>

#include "driver.hpp"

namespace eventlet::embed::detail {

// make_libevent_driver() drives `h` from the application's event_base `loop`; throws
// std::system_error when libevent refuses an event.
std::unique_ptr<driver> make_libevent_driver(hubs::hub& h, void* loop);

// make_libev_driver() drives `h` from the application's ev_loop `loop`.
std::unique_ptr<driver> make_libev_driver(hubs::hub& h, void* loop);

}  // namespace eventlet::embed::detail
