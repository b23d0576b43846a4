// db::result: what a statement returned -- its column names, its rows, and how many rows it
// changed.
//
//   db::result r = conn.execute("SELECT id, name FROM users");
//   for (const db::row& row : r.rows) use(row.get<std::int64_t>(0), row.get<std::string>(1));
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "row.hpp"

namespace eventlet::db {

struct result {
  std::vector<std::string> columns;  // empty for a statement that returns no rows
  std::vector<row> rows;
  std::int64_t affected = 0;  // rows changed by INSERT, UPDATE or DELETE
};

}  // namespace eventlet::db
