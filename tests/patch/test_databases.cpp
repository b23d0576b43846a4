// libeventlet_patch against real servers (tests/support/servers): unmodified blocking client
// libraries -- libpq, hiredis, the MariaDB client -- run their calls concurrently in
// greenthreads on one thread. Each test skips, with a message, only where its server package is
// not installed.
#include <doctest/doctest.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <mysql.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/greenthread.hpp"
#include "mariadb.hpp"
#include "postgres.hpp"
#include "redis.hpp"

using namespace eventlet;
using hub_tests::hub_test;
namespace servers = test_support::servers;

namespace {

constexpr int concurrent = 10;

// The server `Server::shared()` returns, or nullopt (with a message) where its package is not
// installed.
template <typename Server>
Server* server_or_skip(const char* package) {
  try {
    return &Server::shared();
  } catch (const servers::package_absent& e) {
    MESSAGE("skipped, " << package << " is not installed: " << e.what());
    return nullptr;
  }
}

// Runs `f` in `n` greenthreads at once and returns the wall time they took together.
template <typename F>
double concurrently(int n, F f) {
  const double start = hubs::hub::clock();
  std::vector<greenthread<void>> all;
  for (int i = 0; i < n; ++i) all.push_back(spawn([&f, i] { f(i); }));
  for (auto& g : all) g.wait();
  return hubs::hub::clock() - start;
}

struct pg_closer {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using pg_connection = std::unique_ptr<PGconn, pg_closer>;

pg_connection pg_connect(const std::string& conninfo) {
  pg_connection c(PQconnectdb(conninfo.c_str()));
  REQUIRE(c);
  REQUIRE_MESSAGE(PQstatus(c.get()) == CONNECTION_OK, PQerrorMessage(c.get()));
  return c;
}

// The one value a query returns, or its error message prefixed with "error: ".
std::string pg_value(PGconn* c, const char* sql) {
  PGresult* r = PQexec(c, sql);
  std::string out = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                        ? PQgetvalue(r, 0, 0)
                        : "error: " + std::string(PQerrorMessage(c));
  PQclear(r);
  return out;
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "libpq: 10 blocking pg_sleep(0.2) queries in greenthreads overlap") {
  auto* pg = server_or_skip<servers::postgres>("PostgreSQL (postgresql)");
  if (!pg) return;
  const std::string conninfo = pg->conninfo();
  int done = 0;
  const double took = concurrently(concurrent, [&](int) {
    pg_connection c = pg_connect(conninfo);
    CHECK(pg_value(c.get(), "SELECT pg_sleep(0.2)::text") == "");
    ++done;
  });
  CHECK(done == concurrent);
  MESSAGE("libpq: " << concurrent << " x pg_sleep(0.2) took " << took << " s");
  CHECK(took < 1.0);  // one after another: 2 s
}

TEST_CASE_FIXTURE(hub_test, "libpq: errors and a lost connection come back as libpq errors") {
  auto* pg = server_or_skip<servers::postgres>("PostgreSQL (postgresql)");
  if (!pg) return;
  pg_connection c = pg_connect(pg->conninfo());
  CHECK(pg_value(c.get(), "SELECT no_such_column").find("error: ") == 0);
  CHECK(pg_value(c.get(), "SELECT 6 * 7") == "42");  // still usable
  const std::string pid = pg_value(c.get(), "SELECT pg_backend_pid()::text");
  // While this connection waits in a long query, another greenthread ends it on the server.
  auto killer = spawn([&] {
    eventlet::sleep(0.1);
    pg_connection admin = pg_connect(pg->conninfo());
    return pg_value(admin.get(), ("SELECT pg_terminate_backend(" + pid + ")::text").c_str());
  });
  CHECK(pg_value(c.get(), "SELECT pg_sleep(5)::text").find("error: ") == 0);
  CHECK(killer.wait() == "true");
  CHECK(PQstatus(c.get()) == CONNECTION_BAD);
}

TEST_CASE_FIXTURE(hub_test, "hiredis: concurrent BLPOP with timeouts beside LPUSH") {
  auto* rd = server_or_skip<servers::redis>("Redis (redis-server)");
  if (!rd) return;
  const std::string path = rd->socket_path();
  auto connect = [&] {
    redisContext* c = redisConnectUnix(path.c_str());
    REQUIRE(c);
    REQUIRE_MESSAGE(c->err == 0, c->errstr);
    return std::unique_ptr<redisContext, void (*)(redisContext*)>(c, redisFree);
  };
  int popped = 0, timed_out = 0;
  const double took = concurrently(concurrent, [&](int i) {
    auto c = connect();
    if (i == 0) {  // the pusher: gives 5 items after 0.2 s
      eventlet::sleep(0.2);
      for (int n = 0; n < 5; ++n) {
        auto* r = static_cast<redisReply*>(redisCommand(c.get(), "LPUSH eventlet:jobs %d", n));
        REQUIRE(r);
        freeReplyObject(r);
      }
      return;
    }
    // Nine blocked BLPOPs with a 1 s timeout: five get an item, four time out.
    auto* r = static_cast<redisReply*>(redisCommand(c.get(), "BLPOP eventlet:jobs 1"));
    REQUIRE(r);
    if (r->type == REDIS_REPLY_ARRAY)
      ++popped;
    else if (r->type == REDIS_REPLY_NIL)
      ++timed_out;
    freeReplyObject(r);
  });
  CHECK(popped == 5);
  CHECK(timed_out == 4);
  MESSAGE("hiredis: 9 BLPOP (1 s timeout) beside LPUSH took " << took << " s");
  CHECK(took < 2.5);  // one after another: over 4 s
}

TEST_CASE_FIXTURE(hub_test,
                  "MariaDB client: 10 blocking SELECT SLEEP(0.2) in greenthreads overlap") {
  auto* db = server_or_skip<servers::mariadb>("MariaDB (mariadb-server)");
  if (!db) return;
  const std::string path = db->socket_path();
  int done = 0;
  const double took = concurrently(concurrent, [&](int) {
    MYSQL* c = mysql_init(nullptr);
    REQUIRE(c);
    const std::unique_ptr<MYSQL, void (*)(MYSQL*)> closer(c, mysql_close);
    REQUIRE_MESSAGE(mysql_real_connect(c, nullptr, "root", "", nullptr, 0, path.c_str(), 0),
                    mysql_error(c));
    REQUIRE_MESSAGE(mysql_query(c, "SELECT SLEEP(0.2)") == 0, mysql_error(c));
    MYSQL_RES* r = mysql_store_result(c);
    REQUIRE(r);
    MYSQL_ROW row = mysql_fetch_row(r);
    REQUIRE(row);
    CHECK(std::string(row[0]) == "0");
    mysql_free_result(r);
    CHECK(mysql_query(c, "SELECT no_such_column") != 0);  // an error, as the client reports it
    CHECK(mysql_errno(c) == 1054);
    ++done;
  });
  CHECK(done == concurrent);
  MESSAGE("MariaDB: " << concurrent << " x SLEEP(0.2) took " << took << " s");
  CHECK(took < 1.0);  // one after another: 2 s
}
