// The cost of the coros primitives on the calling thread's hub (the default hub unless
// EVENTLET_HUB says otherwise): event send + wait, a queue ping-pong, a semaphore taken and
// given back, uncontended and handed between two greenthreads, and tasks run through a
// green_pool (spawn_n() and spawn()) beside plain spawns. Where Boost.Fiber was found at build
// time, the queue ping-pong and spawn + wait are measured beside its buffered_channel ping-pong
// and fiber spawn + join, in alternating rounds of this run.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "eventlet.hpp"
#include "profiler.hpp"
#if EVENTLET_PROFILE_BOOST_FIBER
#include "boost_fiber.hpp"
#endif

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

// `n` greenthreads spawned and waited for one at a time.
void spawn_wait(std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) bench::keep(eventlet::spawn([] { return 1; }).wait());
}

}  // namespace

void bench_coros(report& r) {
  hubs::hub& hub = hubs::get_hub();
  r.info("coros measured on", std::string(hub.name()));

  r.add_time("coros", "event send + wait, per pair", halved(bench::measure(event_ping_pong)));
  expect_clean(hub, "the event ping-pong");

#if EVENTLET_PROFILE_BOOST_FIBER
  const side_by_side queue = alternate(queue_ping_pong, profiler::boost_fiber::channel_ping_pong);
  r.add_time("coros", "queue ping-pong round trip", queue.ours);
  r.add("coros", "queue ping-pong / Boost.Fiber buffered_channel", queue.ratio, "x");
  const side_by_side spawn = alternate(spawn_wait, profiler::boost_fiber::spawn_join);
  r.add_time("coros", "spawn + wait, one at a time", spawn.ours);
  r.add("coros", "spawn + wait / Boost.Fiber spawn + join", spawn.ratio, "x");
#else
  r.info("Boost.Fiber", "not found at build time (libboost-fiber-dev): no comparison");
  r.add_time("coros", "queue ping-pong round trip", bench::measure(queue_ping_pong));
  r.add_time("coros", "spawn + wait, one at a time", bench::measure(spawn_wait));
#endif
  expect_clean(hub, "the queue ping-pong and spawn + wait");

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

#if EVENTLET_PROFILE_BOOST_FIBER
  r.add_time("Boost.Fiber", "buffered_channel ping-pong round trip", queue.theirs);
  r.add_time("Boost.Fiber", "fiber spawn + join, one at a time", spawn.theirs);
  r.check("queue ping-pong / Boost.Fiber buffered_channel", queue.ratio, 0.45, "x");
#endif
  r.check("spawn + wait, one at a time", r.find("coros", "spawn + wait, one at a time"), 150, "ns");
}

}  // namespace profiler
