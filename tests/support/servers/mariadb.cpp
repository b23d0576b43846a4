#include "mariadb.hpp"

#include "unix_socket.hpp"

namespace test_support::servers {

mariadb::mariadb() : server("eventlet-mariadb", unprivileged("mysql")) {
  const std::optional<account> as = unprivileged("mysql");
  const std::string install = find_program({"/usr/bin/mariadb-install-db"}, "mariadb-server");
  const std::string daemon =
      find_program({"/usr/sbin/mariadbd", "/usr/bin/mariadbd"}, "mariadb-server");
  const std::string data = dir_.path() + "/data";
  // Its temporary files go to its own directory, not a /tmp shared with other runs.
  const std::string tmp = "--tmpdir=" + dir_.path();
  run({install, "--no-defaults", "--datadir=" + data, tmp,
       "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"},
      dir_.path() + "/install.log", as);
  process_ = std::make_unique<child>(
      std::vector<std::string>{daemon, "--no-defaults", "--datadir=" + data, tmp,
                               "--socket=" + socket_path(), "--skip-networking",
                               "--pid-file=" + dir_.path() + "/mysqld.pid",
                               "--innodb-buffer-pool-size=16M", "--skip-name-resolve"},
      log_path_, as);
  // The server's greeting starts with a length and the protocol version (10).
  wait_until([&] { return unix_exchange(socket_path(), "").size() > 4; }, *process_, 60, "mariadbd",
             log_path_);
}

mariadb& mariadb::shared() {
  static mariadb instance;
  return instance;
}

}  // namespace test_support::servers
