#include "redis.hpp"

#include "unix_socket.hpp"

namespace test_support::servers {

redis::redis() : dir_("eventlet-redis"), log_path_(dir_.path() + "/server.log") {
  const std::string server = find_program({"/usr/bin/redis-server"}, "redis-server");
  server_ = std::make_unique<child>(
      std::vector<std::string>{server, "--port", "0", "--unixsocket", socket_path(),
                               "--unixsocketperm", "700", "--dir", dir_.path(), "--save", "",
                               "--appendonly", "no", "--daemonize", "no"},
      log_path_, std::nullopt);
  wait_until([&] { return unix_exchange(socket_path(), "PING\r\n").rfind("+PONG", 0) == 0; },
             *server_, 30, "redis-server", log_path_);
}

redis::~redis() { server_.reset(); }

redis& redis::shared() {
  static redis instance;
  return instance;
}

}  // namespace test_support::servers
