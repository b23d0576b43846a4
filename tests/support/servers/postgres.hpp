// A real PostgreSQL server for tests: initdb into a fresh temporary directory, then the
// postmaster on a private Unix socket directory (no TCP), run as the `postgres` user when this
// process runs as root; stopped (fast shutdown, then SIGKILL) and removed on destruction.
//
//   auto& pg = test_support::servers::postgres::shared();  // one per test process
//   PGconn* c = PQconnectdb(pg.conninfo().c_str());
//
// Throws package_absent (server.hpp) where PostgreSQL is not installed, start_failed with the
// server's log for any other failure.
#pragma once

#include <string>

#include "server.hpp"

namespace test_support::servers {

class postgres : public server {
 public:
  // postgres() creates the cluster and starts the server, waiting until it accepts connections.
  postgres();

  // shared() is one server for the whole test process, started on first use; later calls after a
  // failed start try again (and throw again).
  static postgres& shared();

  // conninfo() is a libpq connection string for the superuser `postgres`, database `postgres`.
  std::string conninfo() const;

  // socket_dir() is the directory of the server's socket; port() the number in its name.
  const std::string& socket_dir() const { return dir(); }
  int port() const { return 5432; }
};

}  // namespace test_support::servers
