#include "reuseport.hpp"

#include <linux/filter.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

#include "../base/errors.hpp"

namespace eventlet::green {

namespace {

// local_column() is how /proc/net/tcp (tcp6) writes `local` in its local_address column: each
// 32-bit word of the address as the kernel holds it, in hex, then ":" and the port in hex.
std::string local_column(const address& local) {
  char text[64];
  if (local.family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(local.data());
    std::snprintf(text, sizeof text, "%08X:%04X", in->sin_addr.s_addr, local.port());
  } else {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(local.data());
    std::uint32_t w[4];
    static_assert(sizeof w == sizeof in6->sin6_addr);
    std::memcpy(w, &in6->sin6_addr, sizeof w);
    std::snprintf(text, sizeof text, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3], local.port());
  }
  return text;
}

// listening_on() counts the sockets of this network namespace listening on `local` (state
// 0A, TCP_LISTEN, in /proc/net/tcp or tcp6).
int listening_on(const address& local) {
  const char* path = local.family() == AF_INET ? "/proc/self/net/tcp" : "/proc/self/net/tcp6";
  std::ifstream table(path);
  if (!table) os::throw_error(errno ? errno : EIO, std::string("open ") + path);
  const std::string column = local_column(local);
  int n = 0;
  std::string line;
  std::getline(table, line);  // the heading
  while (std::getline(table, line)) {
    char sl[16], here[64], there[64], state[8];
    if (std::sscanf(line.c_str(), "%15s %63s %63s %7s", sl, here, there, state) == 4)
      n += column == here && std::string(state) == "0A";
  }
  return n;
}

}  // namespace

void take_over_reuseport(socket& listener) {
  const int family = listener.getsockname().family();
  if ((family != AF_INET && family != AF_INET6) ||
      !listener.getsockopt<int>(SOL_SOCKET, SO_ACCEPTCONN) ||
      !listener.getsockopt<int>(SOL_SOCKET, SO_REUSEPORT))
    throw std::invalid_argument(
        "take_over_reuseport: the socket is not a TCP listener with SO_REUSEPORT");
  // The group keeps its listening sockets in an array, a new one at the end; listener was the
  // last to join, so its index is the number of them less one.
  const int members = listening_on(listener.getsockname());
  if (members < 1)
    throw std::invalid_argument("take_over_reuseport: the listener is not in /proc/net");
  sock_filter pick[] = {BPF_STMT(BPF_RET | BPF_K, static_cast<__u32>(members - 1))};
  const sock_fprog program{1, pick};
  listener.setsockopt(SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, program);
}

}  // namespace eventlet::green
