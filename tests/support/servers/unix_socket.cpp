#include "unix_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace test_support::servers {

std::string unix_exchange(const std::string& path, const std::string& request) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return {};
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return {};
  std::string answer;
  if (connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      write(s, request.data(), request.size()) == ssize_t(request.size())) {
    pollfd p{s, POLLIN, 0};
    char buf[256];
    if (poll(&p, 1, 1000) == 1) {
      const ssize_t n = read(s, buf, sizeof buf);
      if (n > 0) answer.assign(buf, std::size_t(n));
    }
  }
  close(s);
  return answer;
}

}  // namespace test_support::servers
