// db::row's typed access: kinds, ranges, NULLs.
#include <doctest/doctest.h>

#include "db/row.hpp"

using namespace eventlet;

TEST_CASE("row: typed access, NULL only through optional, wrong kinds and ranges rejected") {
  db::row r({std::int64_t{300}, 2.5, std::string("text"), db::null});
  CHECK(r.size() == 4);
  CHECK(r.get<std::int64_t>(0) == 300);
  CHECK(r.get<int>(0) == 300);
  CHECK(r.get<double>(0) == 300.0);
  CHECK(r.get<double>(1) == 2.5);
  CHECK(r.get<std::string>(2) == "text");
  CHECK(r.is_null(3));
  CHECK_FALSE(r.get<std::optional<int>>(3).has_value());
  CHECK(r.get<std::optional<int>>(0) == 300);
  CHECK_THROWS_AS(r.get<int>(3), std::invalid_argument);
  CHECK_THROWS_AS(r.get<std::string>(0), std::invalid_argument);
  CHECK_THROWS_AS(r.get<int>(2), std::invalid_argument);
  CHECK_THROWS_AS(r.get<std::int8_t>(0), std::out_of_range);
  CHECK_THROWS_AS(r.get<bool>(0), std::out_of_range);
  CHECK_THROWS_AS(r.get<int>(4), std::out_of_range);
  CHECK(db::row({std::int64_t{1}}).get<bool>(0));
}
