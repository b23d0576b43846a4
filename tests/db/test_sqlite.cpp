// The SQLite driver: typed columns and NULLs, bound parameters, errors with SQLite's code,
// transactions, WAL by default, and calls that do not stop the hub.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "../support/fixture.hpp"
#include "coros/greenthread.hpp"
#include "db/error.hpp"
#include "db/pool.hpp"
#include "db/sqlite.hpp"
#include "db/transaction.hpp"

using namespace eventlet;

namespace {

// A database file in a fresh directory, removed (with its WAL files) afterwards.
struct temp_db {
  std::string dir;
  temp_db() {
    char pattern[] = "/tmp/eventlet-sqlite-XXXXXX";
    REQUIRE(mkdtemp(pattern));
    dir = pattern;
  }
  ~temp_db() {
    for (const char* f : {"/db", "/db-wal", "/db-shm"}) unlink((dir + f).c_str());
    rmdir(dir.c_str());
  }
  std::string path() const { return dir + "/db"; }
};

}  // namespace

TEST_CASE_FIXTURE(hub_tests::hub_test, "sqlite: values, parameters, NULLs, errors") {
  db::pool p(db::sqlite_connector(":memory:"));
  db::lease c = p.checkout();
  c->execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL)");
  auto ins = c->execute("INSERT INTO t VALUES (?1, ?2, ?3), (?4, ?5, ?6)",
                        {1, "one", 1.5, 2, db::null, db::null});
  CHECK(ins.affected == 2);
  auto r = c->execute("SELECT id, name, score FROM t WHERE id >= ? ORDER BY id", {1});
  REQUIRE(r.rows.size() == 2);
  CHECK(r.columns == std::vector<std::string>{"id", "name", "score"});
  CHECK(r.rows[0].get<int>(0) == 1);
  CHECK(r.rows[0].get<std::string>(1) == "one");
  CHECK(r.rows[0].get<double>(2) == 1.5);
  CHECK_FALSE(r.rows[1].get<std::optional<std::string>>(1).has_value());
  CHECK(r.rows[1].is_null(2));
  try {
    c->execute("INSERT INTO t VALUES (1, 'again', 0)");
    FAIL("a duplicate key was accepted");
  } catch (const db::error& e) {
    CHECK(e.code() == std::to_string(1555));  // SQLITE_CONSTRAINT_PRIMARYKEY
    CHECK(e.message().find("UNIQUE") != std::string::npos);
  }
  CHECK_THROWS_AS(c->execute("SELEC 1"), db::error);
  CHECK_THROWS_AS(c->execute("SELECT ?1, ?2", {1}), db::error);  // too few parameters
  CHECK(c->execute("SELECT 1").rows.at(0).get<int>(0) == 1);     // still usable
}

TEST_CASE_FIXTURE(hub_tests::hub_test,
                  "sqlite: a file in WAL mode, shared by the pool's connections") {
  temp_db file;
  db::pool p(db::sqlite_connector(file.path()), {.max_size = 2});
  db::lease a = p.checkout();
  db::lease b = p.checkout();
  CHECK(a->execute("PRAGMA journal_mode").rows.at(0).get<std::string>(0) == "wal");
  a->execute("CREATE TABLE t (x INTEGER)");
  {
    db::transaction t(*a);
    a->execute("INSERT INTO t VALUES (1)");
    CHECK(a->in_transaction());
    CHECK(b->execute("SELECT count(*) FROM t").rows.at(0).get<int>(0) == 0);
    t.commit();
  }
  CHECK_FALSE(a->in_transaction());
  CHECK(b->execute("SELECT count(*) FROM t").rows.at(0).get<int>(0) == 1);
}

TEST_CASE_FIXTURE(hub_tests::hub_test, "sqlite: an unopenable path is a db::error") {
  db::pool p(db::sqlite_connector("/nonexistent-dir/x/db"));
  CHECK_THROWS_AS(p.checkout(), db::error);
  CHECK(p.stats().size == 0);
}

TEST_CASE_FIXTURE(hub_tests::hub_test, "sqlite: a long query does not stop the hub") {
  db::pool p(db::sqlite_connector(":memory:"));
  int ticks = 0;
  bool done = false;
  auto ticker = spawn([&] {
    while (!done) {
      ++ticks;
      sleep(0.01);
    }
  });
  // About half a second of work for SQLite, on a pool thread.
  auto r = p.checkout()->execute(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) "
      "SELECT count(*) FROM n");
  done = true;
  ticker.wait();
  CHECK(r.rows.at(0).get<int>(0) == 1000000);
  MESSAGE("the ticker ticked " << ticks << " times during the query");
  CHECK(ticks >= 3);
}
