// remote_hub: a hub as other threads see it.
#pragma once

#include <functional>
#include <memory>

#include "../base/export.hpp"

namespace eventlet::hubs {

class hub;

namespace detail {
class mailbox;
}  // namespace detail

// post() runs a function in the hub greenlet, as hub::run_callback_threadsafe() does. A handle
// may outlive its hub: once the hub's thread has exited, post() throws hub_error. Any thread
// may use a handle; copies are cheap.
class EVENTLET_API remote_hub {
 public:
  // post() has the hub call `fn` in its greenlet on its next pass (or, while the hub is shut
  // down, once its thread opens it again). Throws hub_error once the hub's thread has exited.
  void post(std::function<void()> fn) const;

 private:
  friend class hub;
  explicit remote_hub(std::shared_ptr<detail::mailbox> box) noexcept : box_(std::move(box)) {}
  std::shared_ptr<detail::mailbox> box_;
};

}  // namespace eventlet::hubs
