#include "connection_pool.hpp"

#include <poll.h>

#include <algorithm>
#include <new>

#include "../../base/fd.hpp"

namespace eventlet::http::detail {

namespace {

// An idle connection is useful only while nothing can be read from it: neither the server's
// close (EOF, a reset, a TLS close_notify) nor bytes no request asked for.
bool still_open(const client_connection& c) noexcept {
  pollfd p{c.link.fileno(), POLLIN, 0};
  return os::poll_now(&p, 1) == 0;
}

}  // namespace

std::unique_ptr<client_connection> connection_pool::take(const origin& o) {
  for (std::size_t i = idle_.size(); i-- > 0;) {
    if (idle_[i]->origin != o) continue;
    std::unique_ptr<client_connection> c = std::move(idle_[i]);
    idle_.erase(idle_.begin() + static_cast<std::ptrdiff_t>(i));
    if (still_open(*c)) return c;
  }
  return nullptr;
}

void connection_pool::put(std::unique_ptr<client_connection> c) noexcept {
  if (per_origin_ == 0 || total_ == 0) return;
  c->reused = true;
  c->buffer.clear();
  c->start = 0;
  if (size(c->origin) == per_origin_) {
    const auto oldest = std::find_if(idle_.begin(), idle_.end(),
                                     [&](const auto& x) { return x->origin == c->origin; });
    idle_.erase(oldest);
  } else if (idle_.size() == total_) {
    idle_.erase(idle_.begin());
  }
  try {
    idle_.push_back(std::move(c));
  } catch (const std::bad_alloc&) {  // `c` is closed: a later request connects anew
  }
}

std::size_t connection_pool::size(const origin& o) const noexcept {
  return std::size_t(
      std::count_if(idle_.begin(), idle_.end(), [&](const auto& x) { return x->origin == o; }));
}

}  // namespace eventlet::http::detail
