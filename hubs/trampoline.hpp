// trampoline(): how a greenthread waits for an fd -- the call under every green I/O call.
#pragma once

#include "../base/export.hpp"
#include "hub.hpp"

namespace eventlet::hubs {

// trampoline() suspends the calling greenthread until `fd` is ready for `events`, or throws
// timeout_error after `timeout` seconds (negative: no limit); `how` says how the fd gets
// closed (closes::notified spares a system call when a greenthread waits on it again in the
// same pass). Throws std::system_error(EBADF) for a closed or invalid fd, or if the fd is
// closed through notify_close() meanwhile; blocking_call_error from the hub greenlet.
EVENTLET_API void trampoline(int fd, io events, double timeout = -1, closes how = closes::raw);

}  // namespace eventlet::hubs
