// serve_backdoor(): `--backdoor PATH`, which every example server takes: the backdoor console
// (backdoor/serve.hpp) on a Unix socket at PATH, mode 0600, served by a greenthread of its own
// for as long as the program runs.
//
//   $ echo_server --backdoor /tmp/echo.sock &
//   $ socat - UNIX-CONNECT:/tmp/echo.sock
#pragma once

#include <memory>
#include <string>

#include "backdoor/serve.hpp"
#include "command_line.hpp"
#include "coros/greenthread.hpp"

namespace examples {

// serve_backdoor() starts the console if --backdoor was given. Throws what backdoor::listen()
// throws (std::system_error for a path that cannot be bound).
inline void serve_backdoor(const command_line& args) {
  const std::string path = args.value("--backdoor", "");
  if (path.empty()) return;
  auto listener = std::make_shared<eventlet::green::socket>(eventlet::backdoor::listen(path));
  eventlet::spawn_n(eventlet::spawn_options{.name = "backdoor"},
                    [listener] { eventlet::backdoor::serve(*listener); });
}

}  // namespace examples
