#include <cmath>
#include <system_error>

#include "trampoline.hpp"

namespace eventlet::hubs {

void trampoline(int fd, io events, double timeout, closes how) {
  if (std::isnan(timeout)) throw std::invalid_argument("trampoline: timeout is NaN");
  hub& h = get_hub();
  eventlet::greenlet* self = getcurrent();
  h.check_can_block("trampoline (a wait on an fd)");
  listener* l = h.add(events, fd, [self, fd](int error) {
    if (!error) {
      self->switch_to();
      return;
    }
    self->throw_in(std::make_exception_ptr(std::system_error(
        error, std::generic_category(),
        error == EBADF ? "fd " + std::to_string(fd) + " was closed while a greenthread waited on it"
                       : "cannot wait on fd " + std::to_string(fd))));
  }, how);
  timer t;
  if (timeout >= 0)
    t = h.schedule_call_global(timeout, [self] {
      self->throw_in(std::make_exception_ptr(timeout_error("trampoline timed out")));
    });
  struct cleanup {
    hub& h;
    listener* l;
    timer& t;
    ~cleanup() {
      h.remove(l);
      t.cancel();
    }
  } done{h, l, t};
  h.switch_();
}

}  // namespace eventlet::hubs
