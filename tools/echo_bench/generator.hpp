// The load generator: a forked child's raw epoll loop of N echo connections, driven over its
// control socket.
#pragma once

#include <cstddef>

namespace echo_bench {

// Opens `connections` connections (TLS ones if `tls`) to 127.0.0.1:`port`, then runs windows
// of round trips while the parent asks for them on `control` (see protocol.hpp).
void run_generator(int port, std::size_t connections, bool tls, int control);

}  // namespace echo_bench
