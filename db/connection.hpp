// db::connection: the driver interface -- one open connection to a database, used by one
// greenthread at a time (a pool's lease hands it out).
//
//   db::result r = conn.execute("SELECT name FROM users WHERE id = $1", {42});
//
// A driver implements run(), in_transaction() and broken(), and a db::connector that opens
// connections. A connection whose call was interrupted (its greenthread killed or timed out)
// must either be back in a usable state or say broken(): the pool discards broken connections.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>

#include "../base/export.hpp"
#include "result.hpp"
#include "value.hpp"

namespace eventlet::db {

class EVENTLET_API connection {
 public:
  connection() = default;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  // ~connection() closes it.
  virtual ~connection() = default;

  // execute() runs `sql` with `params` bound to its placeholders ($1, $2... for PostgreSQL;
  // ?, ?1 or $1... for SQLite) and returns its result. Throws db::error for what the database
  // rejects or a lost connection (after which broken() is true), and what the caller's
  // greenthread is interrupted with (greenlet_exit, timeout_error).
  result execute(std::string_view sql, std::initializer_list<value> params = {}) {
    return run(sql, std::span<const value>(params.begin(), params.size()));
  }

  // execute() with the parameters in a span or vector; as above.
  result execute(std::string_view sql, std::span<const value> params) { return run(sql, params); }

  // run() is what execute() calls: the driver's work.
  virtual result run(std::string_view sql, std::span<const value> params) = 0;

  // in_transaction() tells whether a transaction is open (BEGIN without COMMIT or ROLLBACK).
  virtual bool in_transaction() const = 0;

  // broken() tells whether the connection is unusable (lost, or interrupted mid-call): it is
  // never handed out again.
  virtual bool broken() const = 0;
};

// A connector opens a connection, in at most `timeout` seconds: a driver's factory.
using connector = std::function<std::unique_ptr<connection>(double timeout)>;

}  // namespace eventlet::db
