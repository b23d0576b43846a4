#include "postgres.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

#include "../hubs/hub.hpp"
#include "../hubs/trampoline.hpp"
#include "../tpool/tpool.hpp"
#include "error.hpp"

namespace eventlet::db {

namespace {

// libpq's message without its trailing newline.
std::string message_of(const PGconn* c) {
  std::string m = PQerrorMessage(c);
  while (!m.empty() && m.back() == '\n') m.pop_back();
  return m;
}

struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

// Type oids (pg_type.dat) read as numbers.
value cell(const PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col)) return null;
  const char* text = PQgetvalue(r, row, col);
  const int length = PQgetlength(r, row, col);
  switch (PQftype(r, col)) {
    case 16:  // bool
      return std::int64_t{text[0] == 't'};
    case 20:  // int8
    case 21:  // int2
    case 23:  // int4
    case 26:  // oid
    {
      std::int64_t n = 0;
      std::from_chars(text, text + length, n);
      return n;
    }
    case 700:                             // float4
    case 701:                             // float8
      return std::strtod(text, nullptr);  // also reads NaN and Infinity
    default:
      return std::string(text, std::size_t(length));
  }
}

std::string as_text(const value& v) {
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (const auto* d = std::get_if<double>(&v)) {
    if (std::isnan(*d)) return "NaN";
    if (std::isinf(*d)) return *d > 0 ? "Infinity" : "-Infinity";
    char buf[32];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, *d).ptr);
  }
  return std::get<std::string>(v);
}

class postgres_connection final : public connection {
 public:
  explicit postgres_connection(PGconn* c) : conn_(c) {}
  ~postgres_connection() override { PQfinish(conn_); }

  result run(std::string_view sql, std::span<const value> params) override {
    if (broken()) throw error("08003", "the connection is broken (interrupted or lost)");
    std::vector<std::string> texts;
    std::vector<const char*> values;
    texts.reserve(params.size());
    for (const value& v : params) {
      if (is_null(v)) {
        values.push_back(nullptr);
      } else {
        texts.push_back(as_text(v));
        values.push_back(texts.back().c_str());
      }
    }
    const std::string text(sql);
    if (!PQsendQueryParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                           values.data(), nullptr, nullptr, 0))
      lost();
    try {
      send();
      receive();
      return collect();
    } catch (const error&) {
      throw;
    } catch (...) {  // the caller was interrupted mid-query
      cancel();
      throw;
    }
  }

  bool in_transaction() const override {
    const PGTransactionStatusType s = PQtransactionStatus(conn_);
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
  }

  bool broken() const override { return interrupted_ || PQstatus(conn_) != CONNECTION_OK; }

 private:
  [[noreturn]] void lost() const { throw error("08006", message_of(conn_)); }

  // send() flushes the query out, reading meanwhile as libpq asks.
  void send() {
    for (;;) {
      const int rc = PQflush(conn_);
      if (rc == 0) return;
      if (rc < 0) lost();
      hubs::trampoline(PQsocket(conn_), hubs::io::read | hubs::io::write);
      if (!PQconsumeInput(conn_)) lost();
    }
  }

  // receive() reads until the whole result is in.
  void receive() {
    while (PQisBusy(conn_)) {
      hubs::trampoline(PQsocket(conn_), hubs::io::read);
      if (!PQconsumeInput(conn_)) lost();
    }
  }

  // collect() takes the results (all in, PQgetResult does not block now): the last one's rows,
  // or the first error.
  result collect() {
    result r;
    std::optional<error> failed;
    while (result_ptr res{PQgetResult(conn_)}) {
      const ExecStatusType status = PQresultStatus(res.get());
      if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        r = rows_of(res.get());
      } else if (!failed) {
        const char* code = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
        const char* primary = PQresultErrorField(res.get(), PG_DIAG_MESSAGE_PRIMARY);
        failed.emplace(code ? code : "08006", primary ? primary : PQresultErrorMessage(res.get()));
      }
      receive();  // the next result may not be in yet (several statements)
    }
    if (failed) throw *failed;
    if (PQstatus(conn_) != CONNECTION_OK) lost();
    return r;
  }

  static result rows_of(const PGresult* res) {
    result r;
    const int columns = PQnfields(res), rows = PQntuples(res);
    for (int c = 0; c < columns; ++c) r.columns.emplace_back(PQfname(res, c));
    r.rows.reserve(std::size_t(rows));
    for (int i = 0; i < rows; ++i) {
      std::vector<value> cells;
      cells.reserve(std::size_t(columns));
      for (int c = 0; c < columns; ++c) cells.push_back(cell(res, i, c));
      r.rows.emplace_back(std::move(cells));
    }
    const char* tuples = PQcmdTuples(const_cast<PGresult*>(res));
    if (*tuples) std::from_chars(tuples, tuples + std::strlen(tuples), r.affected);
    return r;
  }

  // cancel() asks the server to cancel the running query; the connection is broken from now
  // on. PQcancel blocks (it opens a connection of its own): it runs on the thread pool, its
  // PGcancel object owned by the call, which runs to its end whatever happens to us.
  void cancel() noexcept {
    interrupted_ = true;
    PGcancel* handle = PQgetCancel(conn_);
    if (!handle) return;
    try {
      tpool::execute([handle] {
        char why[256];
        PQcancel(handle, why, sizeof why);
        PQfreeCancel(handle);
      });
    } catch (...) {  // interrupted again, or no hub to wait in: the call still runs
    }
  }

  PGconn* conn_;
  bool interrupted_ = false;
};

}  // namespace

std::unique_ptr<connection> postgres_connect(const std::string& conninfo, double timeout) {
  if (!(timeout >= 0)) throw std::invalid_argument("db::postgres_connect: bad timeout");
  PGconn* c = PQconnectStart(conninfo.c_str());
  if (!c) throw std::bad_alloc();
  auto conn = std::make_unique<postgres_connection>(c);  // closes it whatever happens
  if (PQstatus(c) == CONNECTION_BAD) throw error("08001", message_of(c));
  const double deadline = hubs::get_hub().clock() + timeout;
  PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
  while (poll != PGRES_POLLING_OK) {
    if (poll == PGRES_POLLING_FAILED) throw error("08001", message_of(c));
    const double left = deadline - hubs::get_hub().clock();
    if (left <= 0) throw timeout_error("db::postgres_connect: timed out");
    hubs::trampoline(PQsocket(c), poll == PGRES_POLLING_READING ? hubs::io::read : hubs::io::write,
                     left);
    poll = PQconnectPoll(c);
  }
  if (PQsetnonblocking(c, 1) != 0) throw error("08001", message_of(c));
  return conn;
}

connector postgres_connector(std::string conninfo) {
  return [conninfo = std::move(conninfo)](double timeout) {
    return postgres_connect(conninfo, timeout);
  };
}

}  // namespace eventlet::db
