// connect_any() and connecting by host name: Happy Eyeballs (RFC 8305), each attempt a
// greenthread of a pool that is destroyed, killing the attempts left, when the call returns.
#include <cmath>
#include <exception>
#include <stdexcept>

#include "../base/errors.hpp"
#include "../coros/green_pool.hpp"
#include "../coros/queue.hpp"
#include "../coros/timeout.hpp"
#include "dns.hpp"
#include "net.hpp"

namespace eventlet::green {
namespace {

// How long an attempt has before the next one starts (RFC 8305's Connection Attempt Delay).
constexpr double stagger = 0.25;

// interleave() orders `all` as RFC 8305 says: the first address's family first, then the
// other family, turn and turn about, each family in its own order.
std::vector<address> interleave(const std::vector<address>& all) {
  std::vector<address> first, other;
  for (const address& a : all) (a.family() == all.front().family() ? first : other).push_back(a);
  std::vector<address> ordered;
  for (std::size_t i = 0; i < first.size() || i < other.size(); ++i) {
    if (i < first.size()) ordered.push_back(first[i]);
    if (i < other.size()) ordered.push_back(other[i]);
  }
  return ordered;
}

// What an attempt ends with: its socket, or what it threw.
struct outcome {
  std::optional<socket> connected;
  std::exception_ptr error;
};

}  // namespace

socket connect_any(const std::vector<address>& candidates, std::optional<double> timeout) {
  if (candidates.empty()) throw std::invalid_argument("connect_any: no address to connect to");
  if (timeout && (std::isnan(*timeout) || *timeout < 0))
    throw std::invalid_argument("connect_any: timeout must be a number >= 0, or nullopt");
  const std::vector<address> ordered = interleave(candidates);
  light_queue<outcome> done;  // outlives the pool: its attempts put into it
  green_pool attempts(ordered.size());
  std::optional<eventlet::timeout> limit;  // goes first: no timeout while the pool is killed
  if (timeout) limit.emplace(*timeout);
  std::size_t started = 0, failed = 0;
  auto start_next = [&] {
    attempts.spawn_n([&done, where = ordered[started]] {
      outcome o;
      try {
        o.connected.emplace(connect(where));
      } catch (const greenlet_exit&) {
        throw;  // abandoned: the winner is known
      } catch (...) {
        o.error = std::current_exception();
      }
      done.put(std::move(o));
    });
    ++started;
  };
  start_next();
  for (;;) {
    std::optional<outcome> o;
    if (started < ordered.size()) {
      try {
        o.emplace(done.get(stagger));
      } catch (const queue_empty&) {
        start_next();  // the attempts so far are slow: one more beside them
        continue;
      }
    } else {
      o.emplace(done.get());
    }
    if (o->connected) return std::move(*o->connected);  // ~green_pool kills the others
    if (++failed == ordered.size()) std::rethrow_exception(o->error);
    if (started < ordered.size()) start_next();
  }
}

namespace detail {

socket connect_host(std::string_view host, int port, std::optional<double> timeout) {
  if (timeout && (std::isnan(*timeout) || *timeout < 0))
    throw std::invalid_argument("connect: timeout must be a number >= 0, or nullopt");
  const double start = hubs::hub::clock();
  std::vector<address> found;
  {
    std::optional<eventlet::timeout> limit;
    if (timeout) limit.emplace(*timeout);
    found = resolve(host, port);
  }
  if (!timeout) return connect_any(found);
  return connect_any(found, std::max(0.0, *timeout - (hubs::hub::clock() - start)));
}

}  // namespace detail
}  // namespace eventlet::green
