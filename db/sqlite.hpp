// db::sqlite_connector(): SQLite, the embedded default -- a database file, or ":memory:".
//
//   db::pool local(db::sqlite_connector("app.db"));
//   local.checkout()->execute("INSERT INTO notes VALUES (?1, ?2)", {id, text});
//
// Calls run on the thread pool (db::tpooled), so a query stops only its greenthread. Each
// connection uses WAL journaling (for a file) and waits up to busy_timeout seconds for another
// connection's lock. Every ":memory:" connection is a database of its own (a pool of them is a
// pool of separate databases); share one through a file. Placeholders are ?, ?N, :name or $N;
// bound values go to each statement of the SQL in turn. Errors carry the extended result code.
#pragma once

#include <string>

#include "../base/export.hpp"
#include "connection.hpp"

namespace eventlet::db {

struct sqlite_options {
  double busy_timeout = 5;  // seconds to wait for another connection's lock
  bool wal = true;          // journal_mode=WAL (file databases)
};

// sqlite_connector() opens `path` (created if missing) for each connection. Its connections
// throw db::error for what SQLite rejects (and opening, for a path it cannot open), and what
// db::tpooled's throw.
EVENTLET_API connector sqlite_connector(std::string path, sqlite_options options = {});

}  // namespace eventlet::db
