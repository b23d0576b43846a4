// What the library says of itself: whether calls here are green, and the per-thread opt-out.
#include "patch.hpp"

#include "../hubs/hub.hpp"
#include "detail/green.hpp"

namespace eventlet::patch {

bool enabled() noexcept { return detail::green_hub() != nullptr; }

bool set_enabled(bool on) noexcept {
  const bool was = !detail::tls_disabled;
  detail::tls_disabled = !on;
  return was;
}

}  // namespace eventlet::patch

// The hub this library sees on the calling thread (hubs::current_hub(), as its gate reads it).
// The hub core asks, at a thread's first hub, and refuses to open when it is not that hub: a
// preloaded libeventlet_patch.so beside a second, static copy of eventlet (hubs/thread_hub.cpp).
extern "C" EVENTLET_API eventlet::hubs::hub* eventlet_patch_current_hub() {
  return eventlet::hubs::current_hub();
}
