#include "tpooled.hpp"

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../tpool/tpool.hpp"
#include "error.hpp"

namespace eventlet::db {

namespace {

// What one call on the pool thread came back with: its result or exception, and the
// connection's state after it.
struct outcome {
  std::optional<result> value;
  std::exception_ptr error;
  bool in_transaction = false;
  bool broken = false;
};

class tpooled_connection final : public connection {
 public:
  explicit tpooled_connection(std::shared_ptr<connection> inner)
      : inner_(std::move(inner)), in_transaction_(inner_->in_transaction()) {}

  result run(std::string_view sql, std::span<const value> params) override {
    if (broken_) throw error("08003", "the connection is broken (interrupted or lost)");
    broken_ = true;  // until the call comes back
    outcome o = tpool::execute(
        [](const std::shared_ptr<connection>& c, const std::string& text,
           const std::vector<value>& args) {
          outcome o;
          try {
            o.value = c->run(text, args);
          } catch (...) {
            o.error = std::current_exception();
          }
          o.in_transaction = c->in_transaction();
          o.broken = c->broken();
          return o;
        },
        inner_, std::string(sql), std::vector<value>(params.begin(), params.end()));
    broken_ = o.broken;
    in_transaction_ = o.in_transaction;
    if (o.error) std::rethrow_exception(o.error);
    return std::move(*o.value);
  }

  bool in_transaction() const override { return in_transaction_; }
  bool broken() const override { return broken_; }

 private:
  std::shared_ptr<connection> inner_;  // shared with a call still running on the pool
  bool in_transaction_;
  bool broken_ = false;
};

}  // namespace

connector tpooled(connector blocking) {
  if (!blocking) throw std::invalid_argument("db::tpooled: no connector");
  return [blocking = std::move(blocking)](double timeout) -> std::unique_ptr<connection> {
    std::shared_ptr<connection> inner = tpool::execute(blocking, timeout);
    if (!inner) throw std::logic_error("db::tpooled: the connector returned no connection");
    return std::make_unique<tpooled_connection>(std::move(inner));
  };
}

}  // namespace eventlet::db
