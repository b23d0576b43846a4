// connection_pool: the HTTP client's idle keep-alive connections, by origin, with a bound per
// origin and one on them all; the oldest goes first when one is reached.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "../url.hpp"
#include "client_connection.hpp"

namespace eventlet::http::detail {

class connection_pool {
 public:
  connection_pool(std::size_t per_origin, std::size_t total) noexcept
      : per_origin_(per_origin), total_(total) {}

  // take() is the idle connection to `o` most recently put back that the server has not
  // closed meanwhile (or sent anything on: either makes it useless), or nullptr. Those found
  // closed are dropped. Never throws but std::bad_alloc.
  std::unique_ptr<client_connection> take(const origin& o);
  // put() keeps `c`, whose last response was read whole and whose unread bytes are none, for a
  // later request, closing the oldest idle connection to its origin, or of all, when a bound
  // is reached (`c` itself if a bound is 0).
  void put(std::unique_ptr<client_connection> c) noexcept;
  // size() is how many idle connections it holds, to `o` or in all.
  std::size_t size(const origin& o) const noexcept;
  std::size_t size() const noexcept { return idle_.size(); }
  // clear() closes every idle connection.
  void clear() noexcept { idle_.clear(); }

 private:
  std::size_t per_origin_, total_;
  std::vector<std::unique_ptr<client_connection>> idle_;  // the oldest put back first
};

}  // namespace eventlet::http::detail
