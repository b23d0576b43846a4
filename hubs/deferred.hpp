// Deferred exceptions: how an exception that must not cross C frames reaches its greenthread
// later. A greenthread killed (greenlet_exit) or timed out (timeout_error) while it waits inside
// a C library's call (libeventlet_patch's interposed read(), poll(), ...) cannot let the
// exception unwind through the library's frames. The waiting code catches it, hands it to
// defer(), and makes the C call fail (EINTR); the greenthread's next entry to the hub
// (hub::switch_to(): any wait, sleep or green I/O call) throws it.
//
// Cost on the hot path: hub::switch_to() tests one thread-local counter (a load and a
// predictable branch); only while some greenlet of the thread has an exception pending does it
// look further.
#pragma once
#include <exception>

#include "../base/export.hpp"

namespace eventlet::hubs {
namespace detail {
// How many greenlets of the calling thread have an exception pending.
[[gnu::tls_model("initial-exec")]] EVENTLET_API extern constinit thread_local unsigned tls_deferred;
// throw_deferred() throws the calling greenlet's pending exception, if it has one (and forgets
// it); otherwise it returns.
EVENTLET_API void throw_deferred();
}  // namespace detail

// defer() keeps `e` for the calling greenlet, to be thrown at its next hub::switch_to(). A
// greenlet keeps one: while one is pending, later ones are dropped (the first is what stopped
// the call). An exception still pending when its greenlet ends is dropped with the greenlet.
// Throws std::invalid_argument if `e` is null, std::bad_alloc.
EVENTLET_API void defer(std::exception_ptr e);

// deferred() tells whether the calling greenlet has an exception pending.
EVENTLET_API bool deferred() noexcept;

}  // namespace eventlet::hubs
