// select(): wait until some of a set of fds are ready, suspending only the calling
// greenthread, like eventlet.green.select.select.
//
//   auto ready = green::select({a.fileno(), b.fileno()}, {}, 1.0);  // timeout_error after 1 s
//   for (int fd : ready.readable) ...
//   if (auto r = green::try_select({a.fileno()}, {}, 0)) ...        // a look without waiting
//
// The time running out follows the library's one convention (docs/design.md, "Timeouts"):
// select() throws timeout_error and try_select() returns nothing, where Python's select.select()
// returns three empty lists.
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
// least one is (nullopt timeout: no limit; 0: look without waiting). Each fd is watched
// through the hub, so a greenthread already reading (writing) one of them makes the call
// throw hubs::hub_error unless the hub allows several readers. Throws timeout_error when
// `timeout` seconds pass with nothing ready; std::invalid_argument for a negative fd, a
// negative or NaN timeout, or both lists empty without a timeout; std::system_error(EBADF)
// for an fd that is not open or is closed meanwhile; hubs::blocking_call_error from the hub
// greenlet.
EVENTLET_API select_result select(const std::vector<int>& read_fds,
                                  const std::vector<int>& write_fds,
                                  std::optional<double> timeout = std::nullopt);

// try_select() is select() returning nothing rather than throwing when the time runs out
// (with both lists empty: a sleep of `timeout` seconds).
EVENTLET_API std::optional<select_result> try_select(const std::vector<int>& read_fds,
                                                     const std::vector<int>& write_fds,
                                                     double timeout);

}  // namespace eventlet::green
