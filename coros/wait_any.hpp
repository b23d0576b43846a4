// wait_any(): wait for the first of several greenthreads, events and queues to be ready, and
// say which one it is, like waiting on a set of futures.
//
//   eventlet::queue<job> jobs;
//   eventlet::event<void> quit;
//   auto worker = eventlet::spawn(...);
//   switch (eventlet::wait_any(jobs, quit, worker)) {
//     case 0: handle(jobs.get_nowait()); break;  // the item is still in the queue: take it
//     case 1: return;                            // quit was sent
//     case 2: worker.wait(); break;              // the greenthread has finished
//   }
//
// Ready means: a greenthread has finished (wait() returns or rethrows at once), an event was
// sent (wait() returns at once), a queue has an item for get_nowait(). wait_any() only looks:
// it takes nothing, so nothing is lost from the sources it does not choose, and the one it
// chooses is still ready when it returns (it does not switch after its last look; take the
// item before anything else switches). When several are ready, the first in argument order
// wins. While it waits, it has one helper greenthread per source, killed before it returns.
// Every source must belong to the calling thread.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "../base/errors.hpp"
#include "event.hpp"
#include "greenthread.hpp"
#include "queue.hpp"

namespace eventlet {

namespace detail {

// How wait_any() looks at each kind of source (ready()) and waits for it without taking
// anything (wait_ready(); what the source throws on its own is no concern of wait_any()).
template <typename R>
bool ready(const greenthread<R>& gt) {
  return gt.dead();
}
template <typename T>
bool ready(const event<T>& e) {
  return e.ready();
}
// A greenthread or an event: wait() takes nothing away.
template <typename S>
requires requires(S& s) { s.wait(); }
void wait_ready(S& s) {
  try {
    s.wait();
  } catch (...) {
    if (!ready(s)) throw;  // the helper's own kill, not what the source ended with
  }
}

template <typename T, typename Buffer>
bool ready(const basic_queue<T, Buffer>& q) {
  return !q.empty() || q.putting() > 0;
}
template <typename T, typename Buffer>
void wait_ready(basic_queue<T, Buffer>& q) {
  q.wait_nonempty();
}

template <typename S>
concept wait_any_source = requires(S& s) {
  { ready(s) } -> std::same_as<bool>;
  wait_ready(s);
};

// first_ready() is the index of the first ready source, if any.
template <typename... S>
std::optional<std::size_t> first_ready(S&... sources) {
  const std::array<bool, sizeof...(S)> r{ready(sources)...};
  for (std::size_t i = 0; i < r.size(); ++i)
    if (r[i]) return i;
  return std::nullopt;
}

// wait_any_for() is try_wait_any() with a negative timeout meaning no limit.
template <typename... S>
std::optional<std::size_t> wait_any_for(double timeout, S&... sources) {
  const double deadline = timeout < 0 ? INFINITY : hubs::hub::clock() + timeout;
  for (;;) {
    if (const auto i = first_ready(sources...)) return i;
    const double left = deadline - hubs::hub::clock();
    if (left <= 0) return std::nullopt;
    event<void> woken;
    std::vector<greenthread<void>> helpers;
    // Kills every helper, even when a kill throws (the caller's own kill or timeout coming
    // in while it waits): the first such exception is rethrown once all are killed.
    const auto stop_helpers = [&helpers] {
      std::exception_ptr first;
      for (auto& h : helpers) try {
          h.kill();
        } catch (...) {
          if (!first) first = std::current_exception();
        }
      if (first) std::rethrow_exception(first);
    };
    try {
      (helpers.push_back(spawn([&woken, &sources] {
        wait_ready(sources);
        if (!woken.ready()) woken.send();
      })),
       ...);
      if (std::isinf(left))
        woken.wait();
      else
        woken.try_wait(left);
    } catch (...) {
      try {
        stop_helpers();
      } catch (...) {  // the first exception goes on
      }
      throw;
    }
    stop_helpers();
  }
}

}  // namespace detail

// wait_any() waits until one of `sources` (greenthreads, events, queues) is ready and returns
// its index in the argument list; with a `timeout`, it throws timeout_error if none is ready
// within `timeout` seconds. Throws std::invalid_argument for a negative or NaN timeout,
// hubs::hub_error from the hub greenlet or for a source of another thread.
template <detail::wait_any_source... S>
requires(sizeof...(S) > 0) std::size_t wait_any(S&... sources) {
  return *detail::wait_any_for(-1, sources...);
}
template <detail::wait_any_source... S>
requires(sizeof...(S) > 0) std::size_t wait_any(double timeout, S&... sources) {
  if (std::isnan(timeout) || timeout < 0)
    throw std::invalid_argument("wait_any: timeout must be a number >= 0");
  const std::optional<std::size_t> i = detail::wait_any_for(timeout, sources...);
  if (!i) throw timeout_error("wait_any: nothing was ready within the timeout");
  return *i;
}

// try_wait_any() is wait_any() with a timeout, returning nothing rather than throwing when
// the time runs out.
template <detail::wait_any_source... S>
requires(sizeof...(S) > 0) std::optional<std::size_t> try_wait_any(double timeout, S&... sources) {
  if (std::isnan(timeout) || timeout < 0)
    throw std::invalid_argument("try_wait_any: timeout must be a number >= 0");
  return detail::wait_any_for(timeout, sources...);
}

}  // namespace eventlet
