// A real MariaDB server for tests: mariadb-install-db into a fresh temporary directory, then
// mariadbd on a private Unix socket (no TCP), run as the `mysql` user when this process runs as
// root; stopped (SIGTERM, then SIGKILL) and removed on destruction. Its `root` user has no
// password.
//
//   auto& db = test_support::servers::mariadb::shared();  // one per test process
//   mysql_real_connect(c, nullptr, "root", "", nullptr, 0, db.socket_path().c_str(), 0);
//
// Throws package_absent (server.hpp) where mariadb-server is not installed, start_failed with
// the server's log for any other failure.
#pragma once

#include <string>

#include "server.hpp"

namespace test_support::servers {

class mariadb : public server {
 public:
  // mariadb() creates the data directory and starts the server, waiting until it accepts.
  mariadb();

  // shared() is one server for the whole test process, started on first use.
  static mariadb& shared();

  // socket_path() is the server's Unix socket.
  std::string socket_path() const { return dir_.path() + "/mysqld.sock"; }
};

}  // namespace test_support::servers
