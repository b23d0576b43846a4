// db_demo: through SQLite in memory by default, and against the fixture's PostgreSQL:
// 50 x pg_sleep(0.2) through a pool of 10 takes about 1 s; a failing query exits 1.
#include <string>
#include <vector>

#include "example.hpp"
#include "postgres.hpp"

using example_tests::exited;
using example_tests::outcome;
using hub_tests::hub_test;

namespace {

outcome db_demo(const std::vector<std::string>& args) {
  return example_tests::run("DB_DEMO", args);
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "db_demo: SQLite in memory by default; bad input exits 1 or 2") {
  const outcome o = db_demo({"--concurrency", "20", "--pool", "4"});
  CHECK(exited(o, 0));
  CHECK(o.out.find("20 x SELECT 1 through a pool of 4 (SQLite in memory): ") == 0);
  CHECK(o.out.find("pool: size 4, idle 4, waiting 0, created 4, discarded 0\n") !=
        std::string::npos);
  const outcome bad = db_demo({"--query", "SELEC 1"});
  CHECK(exited(bad, 1));
  CHECK(bad.err.find("db_demo: ") == 0);
  CHECK(exited(db_demo({"--pool", "0"}), 2));
}

#ifdef EVENTLET_DB_POSTGRES
TEST_CASE_FIXTURE(hub_test, "db_demo: 50 x pg_sleep(0.2) through a pool of 10 take about 1 s") {
  std::string conninfo;
  try {
    conninfo = test_support::servers::postgres::shared().conninfo();
  } catch (const test_support::servers::package_absent& e) {
    MESSAGE("skipped, PostgreSQL is not installed: " << e.what());
    return;
  }
  const outcome o = db_demo({"--postgres", conninfo, "--concurrency", "50", "--pool", "10",
                             "--query", "SELECT pg_sleep(0.2)"});
  REQUIRE_MESSAGE(exited(o, 0), o.err);
  MESSAGE(o.out);
  const std::string prefix = "50 x SELECT pg_sleep(0.2) through a pool of 10 (PostgreSQL): ";
  REQUIRE(o.out.rfind(prefix, 0) == 0);
  const double seconds = std::stod(o.out.substr(prefix.size()));
  CHECK(seconds < 5.0);  // generous: 10 at a time, not 50 in a row (10 s)
  CHECK(o.out.find("pool: size 10, idle 10, waiting 0, created 10, discarded 0\n") !=
        std::string::npos);
}
#endif
