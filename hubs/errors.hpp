// The errors the hub throws for misuse.
#pragma once

#include <stdexcept>

#include "../base/export.hpp"

namespace eventlet::hubs {

// hub_error reports a misuse of the hub: a second reader of one fd, an fd the backend cannot
// watch, an unknown hub name, a call from another thread, a call on a shut-down hub.
class EVENTLET_API hub_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// blocking_call_error reports a blocking call (one that would switch to the hub and wait) made
// in the hub greenlet itself, from a timer or listener callback, where nothing may wait.
class EVENTLET_API blocking_call_error : public hub_error {
 public:
  using hub_error::hub_error;
};

}  // namespace eventlet::hubs
