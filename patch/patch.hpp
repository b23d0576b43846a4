// libeventlet_patch: the C library's blocking calls made green, the analog of Python eventlet's
// monkey_patch(). Link libeventlet_patch (pkg-config eventlet-patch, CMake eventlet::patch) or
// load it with LD_PRELOAD (a static link takes the whole archive:
// -Wl,--whole-archive -leventlet_patch -Wl,--no-whole-archive), and read(), recv(), poll(),
// connect(), sleep(), getaddrinfo() ... called by any code (a C library such as libcurl or libpq
// included) in a greenthread wait on the thread's hub instead of blocking the thread. docs/patch.md
// lists what is interposed and the rules; in short:
// - A call is green only on a thread whose hub is open (hubs::current_hub(); it never makes
//   one), outside the hub greenlet, and while the thread has not opted out; everywhere else it
//   is the plain C library call.
// - Never an exception through C frames: a greenthread killed or timed out inside an
//   interposed call gets -1/EINTR from it, and the kill or timeout_error is thrown at its next
//   entry to the hub (hubs/deferred.hpp). Until then, an interposed call that would wait fails
//   at once with ECANCELED, so that a library retrying on EINTR gives up instead of spinning.
#pragma once
#include "../base/export.hpp"

namespace eventlet::patch {

// enabled() tells whether a blocking call made here and now would be green: the thread has an
// open hub, the caller is not the hub greenlet, and the thread has not opted out.
EVENTLET_API bool enabled() noexcept;

// set_enabled(false) opts the calling thread out: its interposed calls go straight to the C
// library (they block the thread), until set_enabled(true). Returns the previous setting.
EVENTLET_API bool set_enabled(bool on) noexcept;

}  // namespace eventlet::patch
