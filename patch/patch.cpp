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

// Where this library reads the calling thread's hub; the hub core compares it with its own and
// refuses to open when they differ (two copies of eventlet: hubs/thread_hub.cpp).
extern "C" EVENTLET_API eventlet::hubs::hub** eventlet_patch_hub_slot() {
  return &eventlet::hubs::detail::tls_hub;
}
