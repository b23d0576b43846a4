// db::pool over PostgreSQL: queries overlap, a killed or timed-out query is cancelled on the
// server and its connection never lent again, a connection the server dropped is discarded.
#include <doctest/doctest.h>

#include <vector>

#include "../support/fixture.hpp"
#include "base/errors.hpp"
#include "coros/greenthread.hpp"
#include "coros/timeout.hpp"
#include "db/error.hpp"
#include "db/pool.hpp"
#include "db/postgres.hpp"
#include "postgres_server.hpp"

using namespace eventlet;

namespace {

// running() counts the server's backends running a query that contains `text` (this query
// itself aside).
int running(db::connection& admin, const std::string& text) {
  return admin
      .execute(
          "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 "
          "AND pid <> pg_backend_pid()",
          {"%" + text + "%"})
      .rows.at(0)
      .get<int>(0);
}

// wait_until_running() waits (at most 5 s) until running(admin, text) == n; returns it then.
int wait_until_running(db::connection& admin, const std::string& text, int n) {
  for (int i = 0; i < 250 && running(admin, text) != n; ++i) sleep(0.02);
  return running(admin, text);
}

}  // namespace

TEST_CASE_FIXTURE(hub_tests::hub_test,
                  "postgres pool: 10 x pg_sleep(0.2) through 10 connections overlap") {
  const auto conninfo = db_tests::postgres_conninfo();
  if (!conninfo) return;
  db::pool p(db::postgres_connector(*conninfo), {.max_size = 10});
  const double start = hubs::get_hub().clock();
  std::vector<greenthread<void>> queries;
  for (int i = 0; i < 10; ++i)
    queries.push_back(spawn([&] { p.checkout()->execute("SELECT pg_sleep(0.2)"); }));
  for (auto& q : queries) q.wait();
  const double took = hubs::get_hub().clock() - start;
  MESSAGE("10 x pg_sleep(0.2) through a pool of 10 took " << took << " s (serial: 2 s)");
  CHECK(took < 1.0);  // generous: they overlap
  CHECK(p.stats().created == 10);
  CHECK(p.stats().idle == 10);
}

TEST_CASE_FIXTURE(hub_tests::hub_test,
                  "postgres pool: a query killed midway is cancelled and its connection dropped") {
  const auto conninfo = db_tests::postgres_conninfo();
  if (!conninfo) return;
  auto admin = db::postgres_connect(*conninfo, 10);
  db::pool p(db::postgres_connector(*conninfo), {.max_size = 1});
  SUBCASE("killed") {
    auto user = spawn([&] { p.checkout()->execute("SELECT pg_sleep(31)"); });
    CHECK(wait_until_running(*admin, "pg_sleep(31)", 1) == 1);
    user.kill();
  }
  SUBCASE("timed out") {
    CHECK_THROWS_AS(with_timeout(0.2, [&] { p.checkout()->execute("SELECT pg_sleep(31)"); }),
                    timeout_error);
  }
  CHECK(p.stats().discarded == 1);
  CHECK(p.stats().size == 0);
  CHECK(wait_until_running(*admin, "pg_sleep(31)", 0) == 0);  // cancelled on the server
  db::lease next = p.checkout(1.0);
  CHECK(next->execute("SELECT 5").rows.at(0).get<int>(0) == 5);
  CHECK(p.stats().created == 2);
}

TEST_CASE_FIXTURE(hub_tests::hub_test,
                  "postgres pool: a connection the server terminated is discarded") {
  const auto conninfo = db_tests::postgres_conninfo();
  if (!conninfo) return;
  auto admin = db::postgres_connect(*conninfo, 10);
  db::pool p(db::postgres_connector(*conninfo), {.max_size = 1});
  int pid = 0;
  {
    db::lease c = p.checkout();
    pid = c->execute("SELECT pg_backend_pid()").rows.at(0).get<int>(0);
  }
  admin->execute("SELECT pg_terminate_backend($1)", {pid});
  {
    db::lease c = p.checkout();  // the idle one: its loss shows on use
    CHECK_THROWS_AS(c->execute("SELECT 1"), db::error);
  }
  CHECK(p.stats().discarded == 1);
  db::lease fresh = p.checkout();
  CHECK(fresh->execute("SELECT pg_backend_pid()").rows.at(0).get<int>(0) != pid);
}

TEST_CASE_FIXTURE(hub_tests::hub_test,
                  "postgres pool: a transaction left open is rolled back on put-back") {
  const auto conninfo = db_tests::postgres_conninfo();
  if (!conninfo) return;
  db::pool p(db::postgres_connector(*conninfo), {.max_size = 1});
  p.checkout()->execute("CREATE TEMP TABLE t (x int)");  // temp: this connection's
  {
    db::lease c = p.checkout();
    c->execute("BEGIN");
    c->execute("INSERT INTO t VALUES (1)");
  }
  db::lease c = p.checkout();
  CHECK_FALSE(c->in_transaction());
  CHECK(c->execute("SELECT count(*) FROM t").rows.at(0).get<int>(0) == 0);
  CHECK(p.stats().created == 1);
}
