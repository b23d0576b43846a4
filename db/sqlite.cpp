#include "sqlite.hpp"

#include <sqlite3.h>

#include <string_view>

#include "error.hpp"
#include "tpooled.hpp"

namespace eventlet::db {

namespace {

// A blocking SQLite connection (the thread pool runs its calls: db::tpooled).
class sqlite_connection final : public connection {
 public:
  sqlite_connection(const std::string& path, const sqlite_options& options) {
    const int rc = sqlite3_open_v2(
        path.c_str(), &db_,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX,
        nullptr);
    if (rc != SQLITE_OK) {
      const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      throw error(std::to_string(rc), message + " (" + path + ")");
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout * 1000));
    if (options.wal) run("PRAGMA journal_mode=WAL", {});
  }

  ~sqlite_connection() override { sqlite3_close_v2(db_); }

  result run(std::string_view sql, std::span<const value> params) override {
    result r;
    const char* rest = sql.data();
    const char* end = sql.data() + sql.size();
    while (rest < end) {
      sqlite3_stmt* raw = nullptr;
      const char* tail = nullptr;
      check(sqlite3_prepare_v2(db_, rest, static_cast<int>(end - rest), &raw, &tail));
      rest = tail;
      if (!raw) continue;  // a comment or blank
      std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
      bind(raw, params);
      r = step_all(raw);
    }
    return r;
  }

  bool in_transaction() const override { return !sqlite3_get_autocommit(db_); }

  // SQLite's connection cannot be lost; a failed call leaves it usable.
  bool broken() const override { return false; }

 private:
  void check(int rc) const {
    if (rc != SQLITE_OK)
      throw error(std::to_string(sqlite3_extended_errcode(db_)), sqlite3_errmsg(db_));
  }

  void bind(sqlite3_stmt* stmt, std::span<const value> params) const {
    const int wanted = sqlite3_bind_parameter_count(stmt);
    if (wanted > static_cast<int>(params.size()))
      throw error(std::to_string(SQLITE_RANGE), "the statement has " + std::to_string(wanted) +
                                                    " parameters, " +
                                                    std::to_string(params.size()) + " given");
    for (int i = 0; i < wanted; ++i) {
      const value& v = params[std::size_t(i)];
      int rc = SQLITE_OK;
      if (const auto* n = std::get_if<std::int64_t>(&v))
        rc = sqlite3_bind_int64(stmt, i + 1, *n);
      else if (const auto* d = std::get_if<double>(&v))
        rc = sqlite3_bind_double(stmt, i + 1, *d);
      else if (const auto* s = std::get_if<std::string>(&v))
        rc = sqlite3_bind_text64(stmt, i + 1, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      else
        rc = sqlite3_bind_null(stmt, i + 1);
      check(rc);
    }
  }

  result step_all(sqlite3_stmt* stmt) const {
    result r;
    const int n = sqlite3_column_count(stmt);
    for (int i = 0; i < n; ++i) r.columns.emplace_back(sqlite3_column_name(stmt, i));
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW)
        throw error(std::to_string(sqlite3_extended_errcode(db_)), sqlite3_errmsg(db_));
      std::vector<value> cells;
      cells.reserve(std::size_t(n));
      for (int i = 0; i < n; ++i) cells.push_back(column(stmt, i));
      r.rows.emplace_back(std::move(cells));
    }
    r.affected = n == 0 ? sqlite3_changes64(db_) : 0;
    return r;
  }

  static value column(sqlite3_stmt* stmt, int i) {
    switch (sqlite3_column_type(stmt, i)) {
      case SQLITE_INTEGER:
        return std::int64_t{sqlite3_column_int64(stmt, i)};
      case SQLITE_FLOAT:
        return sqlite3_column_double(stmt, i);
      case SQLITE_NULL:
        return null;
      default: {  // text or blob: the bytes
        const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
        return std::string(p ? p : "", std::size_t(sqlite3_column_bytes(stmt, i)));
      }
    }
  }

  sqlite3* db_ = nullptr;
};

}  // namespace

connector sqlite_connector(std::string path, sqlite_options options) {
  return tpooled([path = std::move(path), options](double) -> std::unique_ptr<connection> {
    return std::make_unique<sqlite_connection>(path, options);
  });
}

}  // namespace eventlet::db
