// backdoor::serve(): the backdoor console, a line-oriented text console into a live process,
// like Python's eventlet.backdoor but without an interpreter: it runs no code, it answers the
// commands of a console (console.hpp) with listings of the hub, its greenthreads, the thread
// pool and the registered pools.
//
//   auto listener = backdoor::listen("/run/app/backdoor.sock");  // a Unix socket, mode 0600
//   eventlet::spawn([&] { backdoor::serve(listener); });
//
//   $ socat - UNIX-CONNECT:/run/app/backdoor.sock
//   > greenthreads
//
// Each reply is followed by the prompt "> " (no newline). A TCP listener must be bound to a
// loopback address, unless serve_options allow another address and set a token.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "../base/export.hpp"
#include "../green/socket.hpp"
#include "console.hpp"

namespace eventlet::backdoor {

struct serve_options {
  // A secret the client must send as its first line before any command (empty: none asked).
  std::string token;
  // Serve a TCP listener bound to an address other than loopback; needs a token too.
  bool allow_remote = false;
  // Clients served at once; more wait to be accepted.
  std::size_t max_clients = 16;
  // The longest command line, in bytes; a longer one is answered with an error and dropped.
  std::size_t max_line = 4096;
  // Seconds a client may stay silent before it is disconnected.
  double idle_timeout = 600;
};

// listen() makes a Unix-domain stream socket listening at `path`, created with mode 0600 (the
// process's user alone may connect). A socket file already at `path` (a previous run's) is
// replaced; any other file is not. Throws std::invalid_argument for a path too long,
// std::system_error (EADDRINUSE for an existing file that is not a socket, EACCES, ...).
EVENTLET_API green::socket listen(std::string_view path);

// serve() accepts clients on `listener` and answers each in a greenthread of its own with
// `commands`, until the calling greenthread is killed (clients already connected go on until
// they quit). A bad line (garbage, an unknown command, one longer than max_line) gets an error
// reply; a client that sends a wrong token is disconnected. Throws std::invalid_argument,
// before accepting anything, for a TCP listener bound to an address other than loopback unless
// options.allow_remote and a token are set, for a max_clients or max_line of 0, or a bad
// idle_timeout; what accept() throws (std::system_error: EBADF if the listener is closed).
EVENTLET_API void serve(green::socket& listener, serve_options options = {},
                        console commands = console());

}  // namespace eventlet::backdoor
