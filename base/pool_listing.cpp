#include "pool_listing.hpp"

#include <stdexcept>

namespace eventlet {
namespace {

// The calling thread's listings, oldest first.
struct listing_list {
  pool_listing* first = nullptr;
  pool_listing* last = nullptr;
};
constinit thread_local listing_list listings{};

}  // namespace

pool_listing::pool_listing(std::string kind, std::function<stats_list()> stats)
    : kind_(std::move(kind)), stats_(std::move(stats)) {
  if (!stats_) throw std::invalid_argument("pool_listing: empty statistics function");
  prev_ = listings.last;
  (prev_ ? prev_->next_ : listings.first) = this;
  listings.last = this;
}

pool_listing::~pool_listing() {
  (prev_ ? prev_->next_ : listings.first) = next_;
  (next_ ? next_->prev_ : listings.last) = prev_;
}

std::vector<const pool_listing*> pool_listing::pools() {
  std::vector<const pool_listing*> all;
  for (const pool_listing* p = listings.first; p; p = p->next_) all.push_back(p);
  return all;
}

}  // namespace eventlet
