// stop_signal: how the example servers stop on SIGINT and SIGTERM: they stop accepting, let
// the connections finish or close them, and exit with status 0.
//
//   int main() {
//     examples::block_stop_signals();  // first: every thread started later inherits the mask
//     ...
//     examples::serve_until_signal([&] {
//       examples::announce(listener.getsockname());
//       green::serve(listener, handler);
//     });
//     return 0;
//   }
#pragma once

#include <signal.h>

#include <exception>
#include <functional>
#include <optional>
#include <utility>

#include "coros/greenthread.hpp"
#include "green/signal.hpp"
#include "hubs/hub.hpp"

namespace examples {

// block_stop_signals() blocks SIGINT and SIGTERM in the calling thread and the threads it
// starts afterwards, so that only green::wait_signal() sees them. Call it first in main().
inline void block_stop_signals() { eventlet::green::mask_signals({SIGINT, SIGTERM}); }

// serve_until_signal() runs `serve` in a greenthread until SIGINT or SIGTERM comes. Then it
// calls `stop` with that greenthread (by default: kill it, so nothing more is accepted), waits
// for the greenthread to end (if `serve` returns first, no signal is waited for any more),
// and shuts the hub down, which ends the greenthreads still serving connections: their
// sockets close. Rethrows what `serve` threw.
inline void serve_until_signal(
    std::function<void()> serve, std::function<void(eventlet::greenthread<void>&)> stop =
                                     [](auto& serving) { serving.kill(); }) {
  // The watcher runs first: SIGINT and SIGTERM have their signalfd before `serve` runs (and,
  // say, announces that it listens), so the fds open while serving stay as they are.
  std::optional<eventlet::greenthread<void>> serving;
  bool signalled = false;
  auto watcher = eventlet::spawn([&serving, &stop, &signalled] {
    eventlet::green::wait_signal({SIGINT, SIGTERM});
    signalled = true;
    stop(*serving);
  });
  serving.emplace(eventlet::spawn(std::move(serve)));
  try {
    serving->wait();
  } catch (const eventlet::greenlet_exit&) {
    if (!signalled) throw;  // killed by someone else
  } catch (...) {
    watcher.kill();
    throw;
  }
  if (signalled)
    watcher.wait();
  else
    watcher.kill();  // `serve` returned by itself
  eventlet::hubs::shutdown();
}

}  // namespace examples
