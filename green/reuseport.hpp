// take_over_reuseport(): a restarted server takes its port over from the process it replaces,
// without a connection lost.
//
//   // the new process, while the old one still listens on the port:
//   green::socket listener = green::listen({"127.0.0.1", 8080}, 1024, true);
//   green::take_over_reuseport(listener);  // new connections come here from now on
//   // ... serve; then tell the old process to stop (SIGTERM): it accepts what its queue
//   // still holds, then closes its listener, which resets nothing.
//
// Sockets bound to one address with SO_REUSEPORT form a group over which the kernel spreads new
// connections by a hash. When one of them closes, the connections in its accept queue (and
// the handshakes under way for it) are reset, unless net.ipv4.tcp_migrate_req is 1, a sysctl
// that needs root. A program attached to the group (SO_ATTACH_REUSEPORT_CBPF, no privilege
// needed) picks the socket instead: take_over_reuseport() attaches one that picks the new
// listener, so the old one's queue only empties.
#pragma once

#include "../base/export.hpp"
#include "socket.hpp"

namespace eventlet::green {

// take_over_reuseport() makes the kernel give every new connection to `listener`'s address to
// `listener`, rather than spread them over its SO_REUSEPORT group. Call it right after `listener`
// starts to listen: its place in the group is taken to be the last one, counted from the listening
// sockets on its address (/proc/net/tcp, tcp6), so a socket that joins in between would be taken
// for it. When the other socket closes, the kernel moves `listener` into its place, the program's
// choice is out of the group's range and the kernel spreads by its hash again (which then finds
// `listener` only), so the group goes on as usual. It is meant for one socket taking over from one
// socket (a server on one listener restarted): were there more before it, closing the first of
// them would move `listener` and leave the others its share of the hash while they close. Throws
// std::invalid_argument if `listener` does not listen with SO_REUSEPORT, std::system_error when
// the kernel refuses the program or /proc/net cannot be read.
EVENTLET_API void take_over_reuseport(socket& listener);

}  // namespace eventlet::green
