#include "transaction.hpp"

#include <stdexcept>

namespace eventlet::db {

transaction::transaction(connection& c) : conn_(c) { conn_.execute("BEGIN"); }

transaction::~transaction() {
  if (!open_ || conn_.broken()) return;
  try {
    conn_.execute("ROLLBACK");
  } catch (...) {
  }
}

void transaction::commit() { finish("COMMIT"); }

void transaction::rollback() { finish("ROLLBACK"); }

void transaction::finish(const char* sql) {
  if (!open_) throw std::logic_error("db::transaction: already committed or rolled back");
  open_ = false;
  conn_.execute(sql);
}

}  // namespace eventlet::db
