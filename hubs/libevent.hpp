// The libevent hub on an event_base the application owns.
#pragma once

#include <memory>
#include <vector>

#include "../base/export.hpp"
#include "backend.hpp"

struct event;
struct event_base;

namespace eventlet::hubs {

// libevent_fds: the fds a hub watches, as one persistent libevent event per fd on a base, each
// calling `cb(fd, what, arg)` (libevent's event callback) when the fd is ready. The libevent
// backend and embed::join()'s driver keep theirs in one. Regular files, which libevent's epoll
// method refuses and poll calls always ready, are kept aside as always ready. Use it from the
// base's thread only; free it before the base.
class EVENTLET_API libevent_fds {
 public:
  using callback = void (*)(int fd, short what, void* arg);

  // libevent_fds() watches nothing yet. Throws nothing.
  libevent_fds(event_base* base, callback cb, void* arg) noexcept
      : base_(base), cb_(cb), arg_(arg) {}
  // ~libevent_fds() frees the events.
  ~libevent_fds();
  libevent_fds(const libevent_fds&) = delete;
  libevent_fds& operator=(const libevent_fds&) = delete;

  // update() has `fd`'s event watch `to` (io::none: nothing), registering the fd anew (its
  // number may belong to another file by now). Returns 0, or the errno that makes the fd
  // unwatchable: EBADF for a closed fd (libevent would take it and never report it), ENOMEM
  // or EINVAL when libevent refuses the event. Throws nothing but std::bad_alloc.
  int update(int fd, io to);

  // forget() takes every event out of the base and forgets the regular files: after fork,
  // before the fds still watched are registered again. Throws nothing.
  void forget() noexcept;

  // always_ready() lists the regular files watched, with their interest.
  const std::vector<ready_fd>& always_ready() const noexcept { return always_ready_; }

  // events() is what libevent's `what` bits (EV_READ, EV_WRITE) say the fd is ready for.
  static io events(short what) noexcept {
    return (what & ev_read ? io::read : io::none) | (what & ev_write ? io::write : io::none);
  }
  static constexpr short ev_read = 0x02, ev_write = 0x04;  // EV_READ, EV_WRITE (checked)

 private:
  event_base* base_;
  callback cb_;
  void* arg_;
  std::vector<::event*> events_;        // by fd (::event: libevent's, not eventlet::event)
  std::vector<ready_fd> always_ready_;  // regular files
};

// libevent_backend() makes a backend that runs on the application's `base`, which it does not
// own: the application frees it after the hub. The application's own events on that base are
// dispatched by the hub's loop, in the hub greenlet. Pass the result to use_hub(). Throws
// std::invalid_argument for a null base.
EVENTLET_API std::unique_ptr<backend> libevent_backend(event_base* base);

}  // namespace eventlet::hubs
