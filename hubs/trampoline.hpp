// trampoline(): how a greenthread waits for an fd -- the call under every green I/O call.
#pragma once

#include <optional>

#include "../base/export.hpp"
#include "hub.hpp"

namespace eventlet::hubs {

// trampoline() suspends the calling greenthread until `fd` is ready for `events`, or throws
// timeout_error after `timeout` seconds (nullopt: no limit); `how` says how the fd gets
// closed (closes::notified spares a system call when a greenthread waits on it again in the
// same pass). Throws std::system_error(EBADF) for a closed or invalid fd, or if the fd is
// closed through notify_close() meanwhile; blocking_call_error from the hub greenlet;
// std::invalid_argument for a negative or NaN timeout.
EVENTLET_API void trampoline(int fd, io events, std::optional<double> timeout = std::nullopt,
                             closes how = closes::raw);

}  // namespace eventlet::hubs
