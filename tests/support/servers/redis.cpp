#include "redis.hpp"

#include "unix_socket.hpp"

namespace test_support::servers {

redis::redis() : server("eventlet-redis", std::nullopt) {
  const std::string daemon = find_program({"/usr/bin/redis-server"}, "redis-server");
  process_ = std::make_unique<child>(
      std::vector<std::string>{daemon, "--port", "0", "--unixsocket", socket_path(),
                               "--unixsocketperm", "700", "--dir", dir_.path(), "--save", "",
                               "--appendonly", "no", "--daemonize", "no"},
      log_path_, std::nullopt);
  wait_until([&] { return unix_exchange(socket_path(), "PING\r\n").rfind("+PONG", 0) == 0; },
             *process_, 30, "redis-server", log_path_);
}

redis& redis::shared() {
  static redis instance;
  return instance;
}

}  // namespace test_support::servers
