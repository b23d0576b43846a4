#include "pool.hpp"

#include <cmath>
#include <deque>
#include <stdexcept>
#include <utility>

#include "../base/errors.hpp"
#include "../coros/semaphore.hpp"
#include "../hubs/hub.hpp"

namespace eventlet::db {

namespace detail {

// What a pool and its leases share.
struct pool_state : std::enable_shared_from_this<pool_state> {
  struct idle_connection {
    std::unique_ptr<connection> conn;
    double born;   // when it was opened (hub clock)
    double since;  // when it came back
  };

  connector connect;
  pool_options options;
  semaphore slots;                   // one unit per connection that may still be lent
  std::deque<idle_connection> idle;  // the most recently returned at the back
  std::size_t open = 0;
  std::uint64_t created = 0, discarded = 0;
  bool closed = false;

  pool_state(connector c, pool_options o)
      : connect(std::move(c)), options(o), slots(static_cast<std::ptrdiff_t>(o.max_size)) {}

  static double now() { return hubs::get_hub().clock(); }

  void close(std::unique_ptr<connection> conn) noexcept {
    conn.reset();
    --open;
    ++discarded;
  }

  // expire() closes the idle connections past max_age, and past max_idle beyond min_size.
  void expire() noexcept {
    const double t = now();
    for (auto it = idle.begin(); it != idle.end();) {
      const bool old = t - it->born > options.max_age;
      const bool unused = t - it->since > options.max_idle && open > options.min_size;
      if (old || unused) {
        close(std::move(it->conn));
        it = idle.erase(it);
      } else {
        ++it;
      }
    }
  }

  // open_one() opens a connection, counted in `open` meanwhile.
  std::pair<std::unique_ptr<connection>, double> open_one() {
    ++open;
    try {
      auto conn = connect(options.connect_timeout);
      if (!conn) throw std::logic_error("db::pool: the connector returned no connection");
      ++created;
      return {std::move(conn), now()};
    } catch (...) {
      --open;
      throw;
    }
  }

  lease take() {
    expire();
    if (!idle.empty()) {
      idle_connection c = std::move(idle.back());
      idle.pop_back();
      return lease(shared_from_this(), std::move(c.conn), c.born);
    }
    auto [conn, born] = open_one();
    return lease(shared_from_this(), std::move(conn), born);
  }

  // put_back() takes a connection back, or closes it; always frees its slot.
  void put_back(std::unique_ptr<connection> conn, double born, bool discard) noexcept {
    bool keep = !discard && !closed && !conn->broken() && now() - born <= options.max_age;
    if (keep && conn->in_transaction()) {
      try {
        conn->execute("ROLLBACK");
      } catch (...) {
        keep = false;
      }
      keep = keep && !conn->broken() && !conn->in_transaction();
    }
    if (keep)
      idle.push_back({std::move(conn), born, now()});
    else
      close(std::move(conn));
    expire();
    try {
      slots.release();
    } catch (...) {  // the pool's thread is gone (a lease returned from another thread)
    }
  }
};

}  // namespace detail

lease::lease(std::shared_ptr<detail::pool_state> pool, std::unique_ptr<connection> conn,
             double born)
    : pool_(std::move(pool)), conn_(std::move(conn)), born_(born) {}

lease::lease(lease&& other) noexcept
    : pool_(std::move(other.pool_)),
      conn_(std::move(other.conn_)),
      born_(other.born_),
      discard_(other.discard_) {}

lease& lease::operator=(lease&& other) noexcept {
  if (this != &other) {
    give_back();
    pool_ = std::move(other.pool_);
    conn_ = std::move(other.conn_);
    born_ = other.born_;
    discard_ = other.discard_;
  }
  return *this;
}

lease::~lease() { give_back(); }

void lease::give_back() noexcept {
  if (!conn_) return;
  pool_->put_back(std::move(conn_), born_, discard_);
  pool_.reset();
}

namespace {

void check_seconds(double s, const char* what) {
  if (!(s >= 0)) throw std::invalid_argument(std::string("db::pool: ") + what + " must be >= 0");
}

}  // namespace

pool::pool(connector connect, pool_options options) {
  if (!connect) throw std::invalid_argument("db::pool: no connector");
  if (options.max_size == 0) throw std::invalid_argument("db::pool: max_size must be at least 1");
  if (options.min_size > options.max_size)
    throw std::invalid_argument("db::pool: min_size must not exceed max_size");
  check_seconds(options.max_idle, "max_idle");
  check_seconds(options.max_age, "max_age");
  check_seconds(options.connect_timeout, "connect_timeout");
  state_ = std::make_shared<detail::pool_state>(std::move(connect), options);
  for (std::size_t i = 0; i < options.min_size; ++i) {
    auto [conn, born] = state_->open_one();
    state_->idle.push_back({std::move(conn), born, born});
  }
}

pool::~pool() {
  state_->closed = true;
  while (!state_->idle.empty()) {
    state_->close(std::move(state_->idle.back().conn));
    state_->idle.pop_back();
  }
}

lease pool::checkout(std::optional<double> timeout) {
  if (timeout) check_seconds(*timeout, "the checkout timeout");
  if (!timeout)
    state_->slots.acquire();
  else if (!state_->slots.try_acquire(*timeout))
    throw timeout_error("db::pool::checkout: no connection free in time");
  try {
    return state_->take();
  } catch (...) {
    state_->slots.release();
    throw;
  }
}

pool_stats pool::stats() const {
  const std::ptrdiff_t balance = state_->slots.balance();
  return {state_->open, state_->idle.size(), balance < 0 ? std::size_t(-balance) : 0,
          state_->created, state_->discarded};
}

}  // namespace eventlet::db
