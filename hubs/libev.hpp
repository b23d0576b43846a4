// The libev hub on an ev_loop the application owns.
#pragma once

#include <cerrno>
#include <memory>
#include <vector>

#include "../base/export.hpp"
#include "backend.hpp"

struct ev_loop;
struct ev_io;

namespace eventlet::hubs {

// libev_fds: the fds a hub watches, as one ev_io watcher per fd on a loop, each calling
// `cb(loop, watcher, revents)` with the watcher's `data` set to `data`. The libev backend and
// embed::join()'s driver keep theirs in one. Use it from the loop's thread only.
class EVENTLET_API libev_fds {
 public:
  using callback = void (*)(struct ev_loop* loop, struct ev_io* w, int revents);

  // libev_fds() watches nothing yet. Throws nothing.
  libev_fds(struct ev_loop* loop, callback cb, void* data) noexcept;
  // ~libev_fds() stops the watchers still started: stop_all() first if the loop goes before.
  ~libev_fds();
  libev_fds(const libev_fds&) = delete;
  libev_fds& operator=(const libev_fds&) = delete;

  // update() has `fd`'s watcher watch `to` (io::none: nothing), registering the fd anew (its
  // number may belong to another file by now). Returns 0, or EBADF for a closed fd (libev
  // asserts when epoll refuses one). Throws nothing but std::bad_alloc.
  int update(int fd, io to);

  // stop_all() stops every watcher (after fork, before the fds still watched are registered
  // again; before the loop is destroyed). Throws nothing.
  void stop_all() noexcept;

  // set_loop() moves the watchers, all stopped, to another loop (one made anew after fork).
  void set_loop(struct ev_loop* loop) noexcept { loop_ = loop; }

  // ready() is what the callback of `fd`'s watcher reports: the fd and what it is ready for,
  // or EBADF when libev could not watch it (EV_ERROR: the fd was closed).
  static ready_fd ready(int fd, int revents) noexcept {
    if (revents & ev_error) return {fd, io::none, EBADF};
    return {fd, (revents & ev_read ? io::read : io::none) |
                    (revents & ev_write ? io::write : io::none)};
  }
  // EV_READ, EV_WRITE, EV_ERROR (checked)
  static constexpr int ev_read = 0x01, ev_write = 0x02, ev_error = int(0x80000000u);

 private:
  struct ev_loop* loop_;
  callback cb_;
  void* data_;
  std::vector<std::unique_ptr<ev_io>> watchers_;  // by fd
};

// libev_backend() makes a backend that runs on the application's `loop`, which it does not
// own: the application frees it after the hub. The application's own watchers on that loop
// are run by the hub's loop, in the hub greenlet. Pass the result to use_hub(). Throws
// std::invalid_argument for a null loop.
EVENTLET_API std::unique_ptr<backend> libev_backend(struct ev_loop* loop);

}  // namespace eventlet::hubs
