// The PostgreSQL the db tests use: the fixture's one server per test process
// (tests/support/servers), or a message and nullopt where PostgreSQL is not installed.
#pragma once

#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "postgres.hpp"

namespace db_tests {

inline std::optional<std::string> postgres_conninfo() {
  try {
    return test_support::servers::postgres::shared().conninfo();
  } catch (const test_support::servers::package_absent& e) {
    MESSAGE("skipped, PostgreSQL is not installed: " << e.what());
    return std::nullopt;
  }
}

}  // namespace db_tests
