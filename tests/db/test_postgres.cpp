// The PostgreSQL driver against a real server (the fixture's): typed values and NULLs, bound
// parameters, errors with their SQLSTATE, transactions, and connection failures.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "../support/fixture.hpp"
#include "base/errors.hpp"
#include "db/error.hpp"
#include "db/pool.hpp"
#include "db/postgres.hpp"
#include "db/transaction.hpp"
#include "postgres_server.hpp"

using namespace eventlet;

TEST_CASE_FIXTURE(hub_tests::hub_test, "postgres: typed values, parameters and NULLs") {
  const auto conninfo = db_tests::postgres_conninfo();
  if (!conninfo) return;
  auto c = db::postgres_connect(*conninfo, 10);
  auto r = c->execute(
      "SELECT $1::int, $2::text, $3::float8, $4::int, true, 2::int2, 9000000000::int8, "
      "1.25::numeric, 'x'::bytea IS NOT NULL",
      {42, "text", 2.5, db::null});
  REQUIRE(r.rows.size() == 1);
  const db::row& row = r.rows[0];
  CHECK(row.get<int>(0) == 42);
  CHECK(row.get<std::string>(1) == "text");
  CHECK(row.get<double>(2) == 2.5);
  CHECK(row.is_null(3));
  CHECK_FALSE(row.get<std::optional<int>>(3).has_value());
  CHECK(row.get<bool>(4));
  CHECK(row.get<int>(5) == 2);
  CHECK(row.get<std::int64_t>(6) == 9000000000);
  CHECK(row.get<std::string>(7) == "1.25");
  CHECK_THROWS_AS(row.get<int>(3), std::invalid_argument);
  c->execute("CREATE TEMP TABLE t (id int PRIMARY KEY, name text)");
  CHECK(c->execute("INSERT INTO t VALUES ($1, $2), ($3, $4)", {1, "a", 2, db::null}).affected == 2);
  CHECK(c->execute("UPDATE t SET name = 'b'").affected == 2);
  auto all = c->execute("SELECT id, name FROM t ORDER BY id");
  CHECK(all.columns == std::vector<std::string>{"id", "name"});
  CHECK(all.rows.size() == 2);
}

TEST_CASE_FIXTURE(hub_tests::hub_test, "postgres: errors carry the SQLSTATE and message") {
  const auto conninfo = db_tests::postgres_conninfo();
  if (!conninfo) return;
  auto c = db::postgres_connect(*conninfo, 10);
  try {
    c->execute("SELECT * FROM no_such_table");
    FAIL("no error");
  } catch (const db::error& e) {
    CHECK(e.code() == "42P01");
    CHECK(e.message() == "relation \"no_such_table\" does not exist");
  }
  try {
    c->execute("SELECT 1 / $1::int", {0});
    FAIL("no error");
  } catch (const db::error& e) {
    CHECK(e.code() == "22012");
  }
  CHECK_FALSE(c->broken());
  c->execute("CREATE TEMP TABLE u (id int PRIMARY KEY)");
  {
    db::transaction t(*c);
    c->execute("INSERT INTO u VALUES (1)");
    CHECK(c->in_transaction());
    CHECK_THROWS_AS(c->execute("INSERT INTO u VALUES (1)"), db::error);
    CHECK(c->in_transaction());  // failed, until rolled back
  }
  CHECK_FALSE(c->in_transaction());
  CHECK(c->execute("SELECT count(*) FROM u").rows.at(0).get<int>(0) == 0);
  db::transaction t(*c);
  c->execute("INSERT INTO u VALUES (2)");
  t.commit();
  CHECK_THROWS_AS(t.commit(), std::logic_error);
  CHECK(c->execute("SELECT count(*) FROM u").rows.at(0).get<int>(0) == 1);
}

TEST_CASE_FIXTURE(hub_tests::hub_test, "postgres: a server that is not there is 08001") {
  try {
    db::postgres_connect("host=/nonexistent-dir port=5432 user=postgres", 5);
    FAIL("connected");
  } catch (const db::error& e) {
    CHECK(e.code() == "08001");
    CHECK(e.message().find("/nonexistent-dir") != std::string::npos);
  }
  CHECK_THROWS_AS(db::postgres_connect("nonsense", 5), db::error);
  CHECK_THROWS_AS(db::postgres_connect("host=/tmp", -1), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_tests::hub_test,
                  "postgres: a connection terminated by the server is broken") {
  const auto conninfo = db_tests::postgres_conninfo();
  if (!conninfo) return;
  auto victim = db::postgres_connect(*conninfo, 10);
  auto admin = db::postgres_connect(*conninfo, 10);
  const int pid = victim->execute("SELECT pg_backend_pid()").rows.at(0).get<int>(0);
  admin->execute("SELECT pg_terminate_backend($1)", {pid});
  try {
    victim->execute("SELECT 1");
    FAIL("the terminated connection answered");
  } catch (const db::error& e) {
    MESSAGE("terminated: " << std::string(e.what()));
  }
  CHECK(victim->broken());
  CHECK_THROWS_AS(victim->execute("SELECT 1"), db::error);
}

TEST_CASE_FIXTURE(hub_tests::hub_test, "postgres: a server that never answers: connect_timeout") {
  // A socket that listens where a postmaster's would, and never accepts.
  char dir[] = "/tmp/eventlet-mute-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string path = std::string(dir) + "/.s.PGSQL.5432";
  const int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  REQUIRE(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(listen(s, 8) == 0);
  db::pool p(db::postgres_connector(std::string("host=") + dir + " user=postgres"),
             {.connect_timeout = 0.2});
  CHECK_THROWS_AS(p.checkout(), timeout_error);
  CHECK(p.stats().size == 0);
  close(s);
  unlink(path.c_str());
  rmdir(dir);
}
