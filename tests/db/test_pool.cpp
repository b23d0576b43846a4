// db::pool over SQLite connections: limits and waiting, checkout timeouts, put-back rolling back,
// discarding, idle and age limits, failed connects, and greenthreads killed holding or using a
// connection.
#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

#include "../support/fixture.hpp"
#include "base/errors.hpp"
#include "coros/event.hpp"
#include "coros/greenthread.hpp"
#include "db/error.hpp"
#include "db/pool.hpp"
#include "db/sqlite.hpp"
#include "db/transaction.hpp"

using namespace eventlet;

namespace {

db::connector memory() { return db::sqlite_connector(":memory:"); }

}  // namespace

TEST_CASE_FIXTURE(hub_tests::hub_test, "pool: bad options are rejected") {
  CHECK_THROWS_AS(db::pool(memory(), {.max_size = 0}), std::invalid_argument);
  CHECK_THROWS_AS(db::pool(memory(), {.min_size = 3, .max_size = 2}), std::invalid_argument);
  CHECK_THROWS_AS(db::pool(memory(), {.max_idle = -1}), std::invalid_argument);
  CHECK_THROWS_AS(db::pool(db::connector{}), std::invalid_argument);
  db::pool p(memory());
  CHECK_THROWS_AS(p.checkout(-1.0), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_tests::hub_test, "pool: at most max_size open, the others wait in turn") {
  db::pool p(memory(), {.min_size = 2, .max_size = 2});  // opened now: no connect races
  CHECK(p.stats().created == 2);
  CHECK(p.stats().idle == 2);
  std::vector<int> order;
  std::vector<greenthread<void>> users;
  for (int i = 0; i < 4; ++i)
    users.push_back(spawn([&, i] {
      db::lease c = p.checkout();
      order.push_back(i);
      sleep(0.1);  // long enough for the checks below, even on a loaded machine
    }));
  sleep(0);  // all four run: two hold a connection, two wait
  db::pool_stats s = p.stats();
  CHECK(s.size == 2);
  CHECK(s.idle == 0);
  CHECK(s.waiting == 2);
  for (auto& u : users) u.wait();
  CHECK(order == std::vector<int>{0, 1, 2, 3});
  s = p.stats();
  CHECK(s.size == 2);
  CHECK(s.idle == 2);
  CHECK(s.waiting == 0);
  CHECK(s.created == 2);
  CHECK(s.discarded == 0);
}

TEST_CASE_FIXTURE(hub_tests::hub_test, "pool: checkout times out when none comes back") {
  db::pool p(memory(), {.max_size = 1});
  db::lease held = p.checkout();
  CHECK_THROWS_AS(p.checkout(0.05), timeout_error);
  CHECK(p.stats().waiting == 0);
  auto later = spawn([&] { return p.checkout(5.0)->execute("SELECT 7").rows.at(0).get<int>(0); });
  sleep(0.01);
  { db::lease gone = std::move(held); }
  CHECK(later.wait() == 7);
}

TEST_CASE_FIXTURE(hub_tests::hub_test, "pool: an open transaction is rolled back on put-back") {
  db::pool p(memory(), {.max_size = 1});
  p.checkout()->execute("CREATE TABLE t (x INTEGER)");
  {
    db::lease c = p.checkout();
    c->execute("BEGIN");
    c->execute("INSERT INTO t VALUES (1)");
  }
  {
    db::lease c = p.checkout();  // the same connection (max_size 1), the same database
    CHECK_FALSE(c->in_transaction());
    CHECK(c->execute("SELECT count(*) FROM t").rows.at(0).get<int>(0) == 0);
    db::transaction t(*c);
    c->execute("INSERT INTO t VALUES (2)");
  }  // the transaction rolls back before the lease goes back
  CHECK(p.checkout()->execute("SELECT count(*) FROM t").rows.at(0).get<int>(0) == 0);
  CHECK(p.stats().created == 1);
}

TEST_CASE_FIXTURE(hub_tests::hub_test, "pool: discard(), failed connects, idle and age limits") {
  SUBCASE("discard() closes it") {
    db::pool p(memory());
    p.checkout().discard();
    CHECK(p.stats().discarded == 1);
    CHECK(p.stats().size == 0);
  }
  SUBCASE("a connector that fails gives its slot back") {
    int calls = 0;
    db::pool p(
        [&](double) -> std::unique_ptr<db::connection> {
          ++calls;
          throw db::error("08001", "no server");
        },
        {.max_size = 1});
    CHECK_THROWS_AS(p.checkout(), db::error);
    CHECK_THROWS_AS(p.checkout(0.1), db::error);  // not a timeout: the slot came back
    CHECK(calls == 2);
    CHECK(p.stats().size == 0);
    CHECK(p.stats().created == 0);
  }
  SUBCASE("idle past max_idle, beyond min_size") {
    db::pool p(memory(), {.min_size = 1, .max_size = 3, .max_idle = 0.05});
    { db::lease a = p.checkout(), b = p.checkout(); }
    CHECK(p.stats().idle == 2);
    sleep(0.1);
    db::lease c = p.checkout();
    CHECK(p.stats().discarded == 1);  // min_size keeps one
    CHECK(p.stats().size == 1);
  }
  SUBCASE("older than max_age") {
    db::pool p(memory(), {.max_age = 0.05});
    p.checkout();
    sleep(0.1);
    p.checkout();
    CHECK(p.stats().created == 2);
    CHECK(p.stats().discarded == 1);  // the first, at the second checkout
  }
}

TEST_CASE_FIXTURE(hub_tests::hub_test, "pool: a greenthread killed holding a lease gives it back") {
  db::pool p(memory(), {.max_size = 1});
  event<void> holding;
  auto holder = spawn([&] {
    db::lease c = p.checkout();
    holding.send();
    sleep(10);
  });
  holding.wait();
  CHECK(p.stats().idle == 0);
  holder.kill();
  CHECK(p.stats().idle == 1);
  CHECK(p.checkout(0.1)->execute("SELECT 1").rows.size() == 1);
}

TEST_CASE_FIXTURE(hub_tests::hub_test,
                  "pool: a connection whose thread-pool call was cut off is not lent again") {
  db::pool p(memory(), {.max_size = 1});
  event<void> querying;
  auto user = spawn([&] {
    db::lease c = p.checkout();
    querying.send();
    c->execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) "
        "SELECT count(*) FROM n");
  });
  querying.wait();
  sleep(0.02);  // the query is on a pool thread
  user.kill();
  CHECK(p.stats().discarded == 1);
  CHECK(p.stats().size == 0);
  CHECK(p.checkout(1.0)->execute("SELECT 2").rows.at(0).get<int>(0) == 2);
  CHECK(p.stats().created == 2);
}

TEST_CASE_FIXTURE(hub_tests::hub_test, "pool: listed among the thread's pools with its figures") {
  db::pool p(memory(), {.min_size = 1, .max_size = 3});
  p.listing().set_name("app");
  const pool_listing* mine = nullptr;
  for (const pool_listing* l : pool_listing::pools())
    if (l == &p.listing()) mine = l;
  REQUIRE(mine);
  CHECK(mine->kind() == "db::pool");
  CHECK(mine->name() == "app");
  const stats_list figures = mine->stats();
  REQUIRE(figures.size() == 5);
  CHECK(figures[0] == pool_stat{"size", 1});
  CHECK(figures[1] == pool_stat{"idle", 1});
  CHECK(figures[3] == pool_stat{"created", 1});
}
