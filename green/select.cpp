// select(): one poll(2) to see what is ready now; if nothing is, one hub listener per fd and a
// timer, then poll(2) again each time one of them wakes the caller.
#include "select.hpp"

#include <poll.h>

#include <cmath>
#include <map>
#include <stdexcept>
#include <utility>

#include "../base/errors.hpp"
#include "../base/fd.hpp"
#include "../base/scope_exit.hpp"
#include "../hubs/hub.hpp"

namespace eventlet::green {
namespace {

// ready_now() polls `fds` without waiting and returns what is ready, in the caller's order.
// Throws std::system_error(EBADF) for an fd that is not open.
select_result ready_now(std::vector<pollfd>& fds, const std::vector<int>& read_fds,
                        const std::vector<int>& write_fds) {
  if (os::poll_now(fds.data(), fds.size()) < 0) os::throw_error(errno, "select: poll");
  std::map<int, short> got;
  for (const pollfd& p : fds) {
    if (p.revents & POLLNVAL) os::throw_error(EBADF, "select: fd " + std::to_string(p.fd));
    got[p.fd] = p.revents;
  }
  select_result r;
  for (const int fd : read_fds)
    if (got[fd] & (POLLIN | POLLHUP | POLLERR)) r.readable.push_back(fd);
  for (const int fd : write_fds)
    if (got[fd] & (POLLOUT | POLLHUP | POLLERR)) r.writable.push_back(fd);
  return r;
}

// ready_within() is select() returning nothing when the time runs out.
std::optional<select_result> ready_within(const std::vector<int>& read_fds,
                                          const std::vector<int>& write_fds,
                                          std::optional<double> timeout) {
  if (timeout && (std::isnan(*timeout) || *timeout < 0))
    throw std::invalid_argument("select: timeout must be a number >= 0, or nullopt");
  if (read_fds.empty() && write_fds.empty() && !timeout)
    throw std::invalid_argument("select: no fd to wait for and no timeout: it would never return");
  std::map<int, hubs::io> wanted;
  for (const int fd : read_fds) wanted[fd] = wanted[fd] | hubs::io::read;
  for (const int fd : write_fds) wanted[fd] = wanted[fd] | hubs::io::write;
  std::vector<pollfd> fds;
  for (const auto& [fd, events] : wanted) {
    if (fd < 0) throw std::invalid_argument("select: negative fd " + std::to_string(fd));
    fds.push_back({fd,
                   static_cast<short>((any(events & hubs::io::read) ? POLLIN : 0) |
                                      (any(events & hubs::io::write) ? POLLOUT : 0)),
                   0});
  }
  select_result r = ready_now(fds, read_fds, write_fds);
  if (!r.readable.empty() || !r.writable.empty()) return r;
  if (timeout && *timeout == 0) return std::nullopt;

  hubs::hub& h = hubs::get_hub();
  h.check_can_block("select");
  eventlet::greenlet* self = getcurrent();
  std::vector<hubs::listener*> listeners;
  hubs::timer t;
  const scope_exit done([&h, &listeners, &t] {
    for (hubs::listener* l : listeners) h.remove(l);
    t.cancel();
  });
  for (const auto& [fd, events] : wanted)
    listeners.push_back(h.add(events, fd, [self](int) { self->switch_to(); }));
  if (timeout) t = h.schedule_switch(*timeout, self);
  for (;;) {
    h.switch_to();
    r = ready_now(fds, read_fds, write_fds);  // a closed fd: EBADF
    if (!r.readable.empty() || !r.writable.empty()) return r;
    if (timeout && !t.pending()) return std::nullopt;
  }
}

}  // namespace

select_result select(const std::vector<int>& read_fds, const std::vector<int>& write_fds,
                     std::optional<double> timeout) {
  std::optional<select_result> r = ready_within(read_fds, write_fds, timeout);
  if (!r) throw timeout_error("select: nothing was ready within the timeout");
  return std::move(*r);
}

std::optional<select_result> try_select(const std::vector<int>& read_fds,
                                        const std::vector<int>& write_fds, double timeout) {
  return ready_within(read_fds, write_fds, timeout);
}

}  // namespace eventlet::green
