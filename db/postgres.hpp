// db::postgres_connector(): PostgreSQL over libpq's non-blocking API -- no thread per query.
//
//   db::pool pg(db::postgres_connector("host=/run/postgresql dbname=app"), {.max_size = 10});
//   auto rows = pg.checkout()->execute("SELECT name FROM users WHERE id = $1", {42}).rows;
//
// Connecting (PQconnectStart/PQconnectPoll), sending (PQsendQueryParams, PQflush) and reading
// (PQconsumeInput, PQisBusy) wait in the hub on the connection's socket, so a query stops only
// its greenthread. A greenthread killed or timed out mid-query cancels it on the server
// (PQcancel, which blocks, runs on the thread pool) and its connection becomes broken(): a
// pool closes it. Connection strings are libpq's (key=value or a postgresql:// URI); libpq
// resolves a host name with a blocking getaddrinfo(), so give a socket directory, an IP address
// or hostaddr= for a connect that never stops the hub.
// Integer and boolean columns read as integers, float4/float8 as doubles, everything else
// (numeric included, to keep its digits) as its text.
#pragma once

#include <memory>
#include <string>

#include "../base/export.hpp"
#include "connection.hpp"

namespace eventlet::db {

// postgres_connect() opens a connection to `conninfo` in at most `timeout` seconds. Throws
// db::error (SQLSTATE "08001") when the server cannot be reached or refuses, timeout_error
// after `timeout`, std::invalid_argument for a negative or NaN timeout, and what the caller is
// interrupted with. Its execute() throws db::error with the server's SQLSTATE and message, or
// "08006" for a lost connection (then broken()), and what the caller is interrupted with
// (then the query is cancelled and the connection broken()).
EVENTLET_API std::unique_ptr<connection> postgres_connect(const std::string& conninfo,
                                                          double timeout);

// postgres_connector() is a connector for a pool: postgres_connect(conninfo, timeout).
EVENTLET_API connector postgres_connector(std::string conninfo);

}  // namespace eventlet::db
