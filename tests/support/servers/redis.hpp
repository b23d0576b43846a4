// A real Redis server for tests: redis-server in a fresh temporary directory on a private Unix
// socket (no TCP, no persistence); stopped (SIGTERM, then SIGKILL) and removed on destruction.
//
//   auto& r = test_support::servers::redis::shared();  // one per test process
//   redisContext* c = redisConnectUnix(r.socket_path().c_str());
//
// Throws package_absent (server.hpp) where redis-server is not installed, start_failed with the
// server's log for any other failure.
#pragma once

#include <string>

#include "server.hpp"

namespace test_support::servers {

class redis : public server {
 public:
  // redis() starts the server and waits until it answers PING.
  redis();

  // shared() is one server for the whole test process, started on first use.
  static redis& shared();

  // socket_path() is the server's Unix socket.
  std::string socket_path() const { return dir_.path() + "/redis.sock"; }
};

}  // namespace test_support::servers
