// pool_listing: how a pool (of greenthreads, connections, ...) makes itself known to
// diagnostics such as the backdoor console's `pools` command. A pool holds one as a member:
//
//   pool_listing listing_{"green_pool", [this] { return stats_list{{"size", size_}, ...}; }};
//
// Listings are per thread, as the pools they describe are: pools() lists those of the calling
// thread, and a listing must be destroyed on the thread that made it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "export.hpp"

namespace eventlet {

// One figure of a pool: its name ("size", "idle", "waiting", ...) and its value.
using pool_stat = std::pair<std::string, std::uint64_t>;
using stats_list = std::vector<pool_stat>;

class EVENTLET_API pool_listing {
 public:
  // pool_listing() lists a pool of `kind` ("green_pool", "http::server", "db::pool") among the
  // calling thread's pools until it is destroyed; `stats` reads its figures when asked, on
  // this thread. Throws std::invalid_argument for an empty `stats`.
  pool_listing(std::string kind, std::function<stats_list()> stats);
  ~pool_listing();
  pool_listing(const pool_listing&) = delete;
  pool_listing& operator=(const pool_listing&) = delete;

  // kind() is the kind given to the constructor.
  const std::string& kind() const noexcept { return kind_; }

  // name() is what set_name() gave, to tell pools of one kind apart; empty by default.
  const std::string& name() const noexcept { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // stats() reads the pool's figures now; throws what the pool's function throws.
  stats_list stats() const { return stats_(); }

  // pools() lists the calling thread's pools, oldest first. Throws std::bad_alloc.
  static std::vector<const pool_listing*> pools();

 private:
  std::string kind_;
  std::string name_;
  std::function<stats_list()> stats_;
  pool_listing* prev_ = nullptr;
  pool_listing* next_ = nullptr;
};

}  // namespace eventlet
