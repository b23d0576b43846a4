// The real-server fixtures: each starts, answers a trivial query through the plain client
// library (blocking), and once destroyed leaves no process and no directory behind. A test
// skips only where the server's package is absent.
#include <dirent.h>
#include <doctest/doctest.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "mariadb.hpp"
#include "postgres.hpp"
#include "redis.hpp"

namespace servers = test_support::servers;

namespace {

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// processes_naming() counts the processes whose command line mentions `text`.
int processes_naming(const std::string& text) {
  int n = 0;
  DIR* d = opendir("/proc");
  while (const dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/cmdline");
    const std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    n += cmd.find(text) != std::string::npos;
  }
  closedir(d);
  return n;
}

// started() makes a `Server`, or nullopt (and a message) if its package is absent.
template <typename Server>
bool start(std::optional<Server>& server) {
  try {
    server.emplace();
    return true;
  } catch (const servers::package_absent& e) {
    MESSAGE("skipped: " << e.what());
    return false;
  }
}

}  // namespace

TEST_CASE("postgres: starts, answers through libpq, stops and leaves nothing") {
  std::optional<servers::postgres> pg;
  if (!start(pg)) return;
  const std::string dir = pg->socket_dir();
  PGconn* c = PQconnectdb(pg->conninfo().c_str());
  REQUIRE_MESSAGE(PQstatus(c) == CONNECTION_OK, PQerrorMessage(c));
  PGresult* r = PQexec(c, "SELECT 6 * 7");
  REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
  CHECK(std::string(PQgetvalue(r, 0, 0)) == "42");
  PQclear(r);
  PQfinish(c);
  CHECK(processes_naming(dir) > 0);
  pg.reset();
  CHECK(processes_naming(dir) == 0);
  CHECK_FALSE(exists(dir));
}

TEST_CASE("redis: starts, answers through hiredis, stops and leaves nothing") {
  std::optional<servers::redis> redis;
  if (!start(redis)) return;
  const std::string socket = redis->socket_path();
  redisContext* c = redisConnectUnix(socket.c_str());
  REQUIRE(c);
  REQUIRE_MESSAGE(c->err == 0, c->errstr);
  auto* set = static_cast<redisReply*>(redisCommand(c, "SET greeting %s", "hello"));
  REQUIRE(set);
  freeReplyObject(set);
  auto* get = static_cast<redisReply*>(redisCommand(c, "GET greeting"));
  REQUIRE(get);
  CHECK(std::string(get->str, get->len) == "hello");
  freeReplyObject(get);
  redisFree(c);
  CHECK(processes_naming(socket) > 0);
  redis.reset();
  CHECK(processes_naming(socket) == 0);
  CHECK_FALSE(exists(socket.substr(0, socket.rfind('/'))));
}

TEST_CASE("mariadb: starts, answers through libmariadb, stops and leaves nothing") {
  std::optional<servers::mariadb> db;
  if (!start(db)) return;
  const std::string socket = db->socket_path();
  MYSQL* c = mysql_init(nullptr);
  REQUIRE(c);
  REQUIRE_MESSAGE(mysql_real_connect(c, nullptr, "root", "", nullptr, 0, socket.c_str(), 0),
                  mysql_error(c));
  REQUIRE(mysql_query(c, "SELECT 6 * 7") == 0);
  MYSQL_RES* r = mysql_store_result(c);
  REQUIRE(r);
  MYSQL_ROW row = mysql_fetch_row(r);
  REQUIRE(row);
  CHECK(std::string(row[0]) == "42");
  mysql_free_result(r);
  mysql_close(c);
  CHECK(processes_naming(socket) > 0);
  db.reset();
  CHECK(processes_naming(socket) == 0);
  CHECK_FALSE(exists(socket.substr(0, socket.rfind('/'))));
}

TEST_CASE("shared(): one instance per process") {
  try {
    CHECK(&servers::postgres::shared() == &servers::postgres::shared());
  } catch (const servers::package_absent& e) {
    MESSAGE("skipped: " << e.what());
  }
}
