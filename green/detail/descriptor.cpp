#include "descriptor.hpp"

#include <unistd.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "../../base/scope_exit.hpp"
#include "../../coros/event.hpp"

namespace eventlet::green::detail {

namespace {
// The greenthreads of this thread in wait_for_fd_release(), each with an event of its own, in
// a list through their frames. (Not a container: a thread-local with a destructor may be gone
// when the hub shuts down at thread exit and killed greenthreads close their sockets.)
struct release_waiter {
  event<> released;
  release_waiter* next;
};
thread_local release_waiter* release_waiters = nullptr;
}  // namespace

bool wait_for_fd_release(double timeout) {
  release_waiter me{{}, release_waiters};
  release_waiters = &me;
  const scope_exit leave([&me] {
    for (release_waiter** w = &release_waiters; *w; w = &(*w)->next)
      if (*w == &me) {
        *w = me.next;
        break;
      }
  });
  return me.released.try_wait(timeout);
}

void descriptor::close() noexcept {
  if (fd_ < 0) return;
  // Only this thread's hub can watch the fd; without a hub there is nothing to tell.
  if (hubs::hub* h = hubs::current_hub()) h->notify_close(fd_);
  ::close(fd_);  // the fd is released even when close(2) reports an error
  fd_ = -1;
  for (release_waiter* w = release_waiters; w; w = w->next)
    if (!w->released.ready()) w->released.send();
}

void descriptor::set_timeout(std::optional<double> seconds) {
  if (seconds && (std::isnan(*seconds) || *seconds < 0))
    throw std::invalid_argument(
        "set_timeout: the timeout must be >= 0 seconds, or nullopt to block");
  timeout_ = seconds && !std::isinf(*seconds) ? *seconds : -1;
}

void descriptor::wait(const char* what, hubs::io events, double deadline) const {
  std::optional<double> remaining;
  if (deadline >= 0) {
    remaining = deadline - hubs::hub::clock();
    if (*remaining <= 0) throw timeout_error(std::string(what) + ": timed out");
  }
  const int fd = open(what);
  try {
    hubs::trampoline(fd, events, remaining, hubs::closes::notified);  // see close()
  } catch (const timeout_error& e) {
    if (e.source() != 0) throw;  // a timeout object's, not ours
    throw timeout_error(std::string(what) + ": timed out");
  } catch (const std::system_error& e) {
    if (e.code().value() != EBADF) throw;
    os::throw_error(EBADF, std::string(what) + ": fd " + std::to_string(fd) +
                               " was closed while this greenthread waited on it");
  }
}

}  // namespace eventlet::green::detail
