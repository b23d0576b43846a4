// What the library says of itself: whether calls here are green, and the per-thread opt-out.
#include "patch.hpp"

#include "detail/green.hpp"

namespace eventlet::patch {

bool enabled() noexcept { return detail::green_hub() != nullptr; }

bool set_enabled(bool on) noexcept {
  const bool was = !detail::tls_disabled;
  detail::tls_disabled = !on;
  return was;
}

}  // namespace eventlet::patch
