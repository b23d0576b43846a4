// select(): wait until some of a set of fds are ready, suspending only the calling
// greenthread, like eventlet.green.select.select.
//
//   auto ready = green::select({a.fileno(), b.fileno()}, {}, 1.0);
//   for (int fd : ready.readable) ...      // both empty: a second passed with nothing ready
//
// Why the timeout is no error here, unlike every other call with a timeout: select() is
// itself the question "what is ready within this time?", and "nothing" is one of its
// ordinary answers, as it is for Python's select.select(), which returns three empty lists.
// A program that waits for one fd and treats the time running out as a failure waits with
// the fd's own call (green::fd::wait_readable(), a socket's timeout) instead.
#pragma once

#include <optional>
#include <vector>

#include "../base/export.hpp"

namespace eventlet::green {

// What select() found ready, each list in the order the fds were given.
struct select_result {
  std::vector<int> readable;
  std::vector<int> writable;
};

// select() returns the fds of `read_fds` that are ready for reading (data, EOF, an error or,
// for a listener, a connection) and those of `write_fds` ready for writing, as soon as at
// least one is, or both lists empty once `timeout` seconds pass (0: look without waiting;
// nullopt: no limit). Each fd is watched through the hub, so a greenthread already reading
// (writing) one of them makes the call throw hubs::hub_error unless the hub allows several
// readers. Throws std::invalid_argument for a negative fd, a negative or NaN timeout, or both
// lists empty without a timeout; std::system_error(EBADF) for an fd that is not open or is
// closed meanwhile; hubs::blocking_call_error from the hub greenlet.
EVENTLET_API select_result select(const std::vector<int>& read_fds,
                                  const std::vector<int>& write_fds,
                                  std::optional<double> timeout = std::nullopt);

}  // namespace eventlet::green
