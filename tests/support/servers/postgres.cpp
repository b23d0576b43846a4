#include "postgres.hpp"

#include <sys/stat.h>

namespace test_support::servers {

namespace {

const std::string bin_dir = "/usr/lib/postgresql/*/bin/";

std::string program(const std::string& name) {
  return find_program({bin_dir + name}, "postgresql");
}

}  // namespace

postgres::postgres() : server("eventlet-pg", unprivileged("postgres")) {
  const std::optional<account> as = unprivileged("postgres");
  const std::string initdb = program("initdb"), postmaster = program("postgres");
  const std::string data = dir_.path() + "/data";
  // Trust on the private socket only; no fsync: a test's data need not survive a crash.
  run({initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync",
       "--no-instructions"},
      dir_.path() + "/initdb.log", as);
  process_ = std::make_unique<child>(
      std::vector<std::string>{postmaster, "-D", data, "-k", dir_.path(), "-p", "5432", "-c",
                               "listen_addresses=", "-c", "fsync=off", "-c",
                               "synchronous_commit=off", "-c", "full_page_writes=off", "-c",
                               "max_connections=200"},
      log_path_, as, SIGINT);  // SIGINT: fast shutdown
  const std::string socket = dir_.path() + "/.s.PGSQL.5432";
  wait_until(
      [&] {
        struct stat st;
        return stat(socket.c_str(), &st) == 0 &&
               log().find("ready to accept connections") != std::string::npos;
      },
      *process_, 60, "postgres", log_path_);
}

postgres& postgres::shared() {
  static postgres instance;
  return instance;
}

std::string postgres::conninfo() const {
  return "host=" + dir_.path() + " port=5432 user=postgres dbname=postgres";
}

}  // namespace test_support::servers
