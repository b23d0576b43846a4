// db::transaction: BEGIN now, ROLLBACK on scope exit unless commit() was called.
//
//   db::transaction t(*lease);
//   lease->execute("UPDATE accounts SET balance = balance - $1 WHERE id = $2", {10, from});
//   lease->execute("UPDATE accounts SET balance = balance + $1 WHERE id = $2", {10, to});
//   t.commit();
#pragma once

#include "../base/export.hpp"
#include "connection.hpp"

namespace eventlet::db {

class EVENTLET_API transaction {
 public:
  // transaction() starts a transaction on `c`. Throws what execute() throws.
  explicit transaction(connection& c);
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;

  // ~transaction() rolls back unless commit() or rollback() was called; an error doing so is
  // swallowed (the connection then says broken(), or the pool's put-back rolls back again).
  ~transaction();

  // commit() commits. Throws what execute() throws (db::error when the commit fails, the
  // transaction then being over), std::logic_error if already committed or rolled back.
  void commit();

  // rollback() rolls back. Throws as commit() does.
  void rollback();

 private:
  void finish(const char* sql);
  connection& conn_;
  bool open_ = true;
};

}  // namespace eventlet::db
