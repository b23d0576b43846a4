#include "trampoline.hpp"

#include <cmath>
#include <system_error>

#include "../base/scope_exit.hpp"

namespace eventlet::hubs {

void trampoline(int fd, io events, std::optional<double> timeout, closes how) {
  if (timeout && !(*timeout >= 0))
    throw std::invalid_argument("trampoline: the timeout must be >= 0 seconds, or nullopt");
  hub& h = get_hub();
  eventlet::greenlet* self = getcurrent();
  h.check_can_block("trampoline (a wait on an fd)");
  listener* l = h.add(
      events, fd,
      [self, fd](int error) {
        if (!error) {
          self->switch_to();
          return;
        }
        self->throw_in(std::make_exception_ptr(std::system_error(
            error, std::generic_category(),
            error == EBADF
                ? "fd " + std::to_string(fd) + " was closed while a greenthread waited on it"
                : "cannot wait on fd " + std::to_string(fd))));
      },
      how);
  timer t;
  if (timeout)
    t = h.schedule_call_global(*timeout, [self] {
      self->throw_in(std::make_exception_ptr(timeout_error("trampoline timed out")));
    });
  const scope_exit done([&h, l, &t] {
    h.remove(l);
    t.cancel();
  });
  static constexpr const char* what[] = {"fd", "fd read", "fd write", "fd read/write"};
  const wait_note note(self, what[static_cast<unsigned>(events) & 3], fd);
  h.switch_to();
}

}  // namespace eventlet::hubs
