// The cost of the coros primitives on the calling thread's hub (the default hub unless
// EVENTLET_HUB says otherwise): event send + wait, a queue ping-pong, a semaphore taken and
// given back, uncontended and handed between two greenthreads, and tasks run through a
// green_pool (spawn_n() and spawn()) beside plain spawns.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "eventlet.hpp"
#include "profiler.hpp"

namespace profiler {
namespace {

namespace hubs = eventlet::hubs;

// Throws if a benchmark left timers or listeners in the hub: that would be a library bug.
void expect_clean(const hubs::hub& hub, const std::string& after) {
  if (hub.timer_count() || hub.listener_count())
    throw std::logic_error("the hub holds timers or listeners after " + after);
}

// Halves a figure, for runs that perform two operations per counted one.
bench::figure halved(bench::figure f) { return {f.ns / 2, f.cycles / 2}; }

// `n` round trips between greenthreads A and B over two events: A sends e1 and waits on e2;
// B waits on e1, resets it and sends e2; A resets e2. Two send + wait pairs per round trip.
void event_ping_pong(std::uint64_t n) {
  eventlet::event<> e1, e2;
  auto b = eventlet::spawn([&] {
    for (std::uint64_t i = 0; i < n; ++i) {
      e1.wait();
      e1.reset();
      e2.send();
    }
  });
  auto a = eventlet::spawn([&] {
    for (std::uint64_t i = 0; i < n; ++i) {
      e1.send();
      e2.wait();
      e2.reset();
    }
  });
  a.wait();
  b.wait();
}

// `n` round trips of an item between greenthreads A and B: A puts on q1 and gets from q2; B
// gets from q1 and puts on q2.
void queue_ping_pong(std::uint64_t n) {
  eventlet::queue<std::uint64_t> q1, q2;
  auto b = eventlet::spawn([&] {
    for (std::uint64_t i = 0; i < n; ++i) q2.put(q1.get());
  });
  auto a = eventlet::spawn([&] {
    for (std::uint64_t i = 0; i < n; ++i) {
      q1.put(i);
      bench::keep(q2.get());
    }
  });
  a.wait();
  b.wait();
}

// `n` handoffs each way between greenthreads A and B over two semaphores at 0: A releases s1
// and acquires s2; B acquires s1 and releases s2. Each release hands the unit to the other,
// blocked greenthread.
void semaphore_ping_pong(std::uint64_t n) {
  eventlet::semaphore s1(0), s2(0);
  auto b = eventlet::spawn([&] {
    for (std::uint64_t i = 0; i < n; ++i) {
      s1.acquire();
      s2.release();
    }
  });
  auto a = eventlet::spawn([&] {
    for (std::uint64_t i = 0; i < n; ++i) {
      s1.release();
      s2.acquire();
    }
  });
  a.wait();
  b.wait();
}

// `n` empty tasks through a green_pool of `size`, in rounds of 1000: each round spawn_n()s its
// tasks (blocking while the pool is full) and waitall()s.
void green_pool_tasks(std::uint64_t n, std::size_t size) {
  eventlet::green_pool pool(size);
  for (std::uint64_t done = 0; done < n;) {
    const std::uint64_t round = std::min<std::uint64_t>(1000, n - done);
    for (std::uint64_t i = 0; i < round; ++i) pool.spawn_n([] {});
    pool.waitall();
    done += round;
  }
}

// The same rounds with handles: spawn() on `pool` (or, without one, plain eventlet::spawn()),
// then eventlet::waitall() over the handles.
void handle_tasks(std::uint64_t n, eventlet::green_pool* pool) {
  std::vector<eventlet::greenthread<void>> round;
  for (std::uint64_t done = 0; done < n; done += round.size()) {
    round.clear();
    for (std::uint64_t i = 0; i < std::min<std::uint64_t>(1000, n - done); ++i)
      round.push_back(pool ? pool->spawn([] {}) : eventlet::spawn([] {}));
    eventlet::waitall(round);
  }
}

}  // namespace

void bench_coros(report& r) {
  hubs::hub& hub = hubs::get_hub();
  r.info("coros measured on", std::string(hub.name()));

  r.add_time("coros", "event send + wait, per pair", halved(bench::measure(event_ping_pong)));
  expect_clean(hub, "the event ping-pong");

  r.add_time("coros", "queue ping-pong round trip", bench::measure(queue_ping_pong));
  expect_clean(hub, "the queue ping-pong");

  eventlet::semaphore s(1);
  r.add_time("coros", "semaphore acquire + release, uncontended",
             bench::measure([&s](std::uint64_t n) {
               for (std::uint64_t i = 0; i < n; ++i) {
                 s.acquire();
                 s.release();
               }
             }));

  r.add_time("coros", "semaphore handoff between two greenthreads",
             halved(bench::measure(semaphore_ping_pong)));
  expect_clean(hub, "the semaphore ping-pong");

  r.add_time("coros", "green_pool: 1000 tasks spawned and waited, per task",
             bench::measure([](std::uint64_t n) { green_pool_tasks(n, 1000); }));
  r.add_time("coros", "green_pool(10): 1000 tasks, spawns wait, per task",
             bench::measure([](std::uint64_t n) { green_pool_tasks(n, 10); }));
  eventlet::green_pool pool(1000);
  r.add_time("coros", "green_pool: 1000 spawn() handles waited, per task",
             bench::measure([&pool](std::uint64_t n) { handle_tasks(n, &pool); }));
  r.add_time("coros", "plain spawn: 1000 tasks spawned and waited, per task",
             bench::measure([](std::uint64_t n) { handle_tasks(n, nullptr); }));
  expect_clean(hub, "the green_pool tasks");

  r.check("queue ping-pong round trip", r.find("coros", "queue ping-pong round trip"), 100, "ns");
}

}  // namespace profiler
