// db::pool: a pool of database connections, like eventlet.db_pool.
//
//   db::pool users(db::postgres_connector("host=/run/postgresql dbname=app"), {.max_size = 10});
//   {
//     db::lease conn = users.checkout(5.0);  // waits at most 5 s for a free connection
//     conn->execute("INSERT INTO visits VALUES ($1)", {path});
//   }                                         // back in the pool
//
// At most max_size connections are open at once; a checkout beyond that waits, first come,
// first served. A connection comes back on the lease's destruction: an open transaction is
// rolled back, and a broken connection (lost, interrupted mid-call, or failing the rollback)
// is closed instead, so a killed or timed-out greenthread neither leaks a connection nor
// leaves one mid-query in the pool. Idle connections beyond min_size are closed after
// max_idle seconds, and any connection after max_age seconds, at the next checkout or return.
// A pool belongs to the thread that made it; its leases may outlive it (they close their
// connection then).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "../base/export.hpp"
#include "../base/pool_listing.hpp"
#include "connection.hpp"

namespace eventlet::db {

struct pool_options {
  std::size_t min_size = 0;     // connections opened at once, and kept when idle
  std::size_t max_size = 10;    // connections open at most
  double max_idle = 60;         // seconds an idle connection beyond min_size is kept
  double max_age = 3600;        // seconds a connection is used at most
  double connect_timeout = 10;  // seconds to open a connection
};

struct pool_stats {
  std::size_t size = 0;         // connections open (idle, lent out, or being opened)
  std::size_t idle = 0;         // connections waiting in the pool
  std::size_t waiting = 0;      // greenthreads waiting in checkout()
  std::uint64_t created = 0;    // connections opened so far
  std::uint64_t discarded = 0;  // connections closed as broken, expired or idle too long
};

namespace detail {
struct pool_state;
}

// A connection lent by a pool; it goes back on destruction.
class EVENTLET_API lease {
 public:
  lease(lease&&) noexcept;
  lease& operator=(lease&&) noexcept;
  // ~lease() returns the connection (see above).
  ~lease();

  // The connection. Undefined after the lease was moved from or released.
  connection& operator*() const noexcept { return *conn_; }
  connection* operator->() const noexcept { return conn_.get(); }

  // discard() marks the connection to be closed, not reused, when it comes back.
  void discard() noexcept { discard_ = true; }

 private:
  friend struct detail::pool_state;
  lease(std::shared_ptr<detail::pool_state> pool, std::unique_ptr<connection> conn, double born);
  void give_back() noexcept;

  std::shared_ptr<detail::pool_state> pool_;
  std::unique_ptr<connection> conn_;
  double born_ = 0;
  bool discard_ = false;
};

class EVENTLET_API pool {
 public:
  // pool() opens min_size connections through `connect`. Throws std::invalid_argument for
  // max_size 0, min_size above max_size or a timeout that is negative or NaN, and what
  // `connect` throws.
  explicit pool(connector connect, pool_options options = {});
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;
  // ~pool() closes the idle connections; lent ones are closed when they come back.
  ~pool();

  // checkout() lends a connection: an idle one, or a new one while fewer than max_size are
  // open, else the first to come back, waiting at most `timeout` seconds (nullopt: no limit).
  // Throws timeout_error when the wait times out, what the connector throws (db::error, or
  // timeout_error after connect_timeout), std::invalid_argument for a negative or NaN timeout,
  // hubs::hub_error from the hub greenlet or another thread.
  lease checkout(std::optional<double> timeout = std::nullopt);

  // stats() is the pool's statistics now.
  pool_stats stats() const;

  // listing() is how the pool shows among the thread's pools (base/pool_listing.hpp, the
  // backdoor console's `pools`), with the figures of stats(): name it there.
  pool_listing& listing() noexcept { return listing_; }

 private:
  std::shared_ptr<detail::pool_state> state_;
  pool_listing listing_{"db::pool", [this] {
                          const pool_stats s = stats();
                          return stats_list{{"size", s.size},
                                            {"idle", s.idle},
                                            {"waiting", s.waiting},
                                            {"created", s.created},
                                            {"discarded", s.discarded}};
                        }};
};

}  // namespace eventlet::db
