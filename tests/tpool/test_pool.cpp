// tpool::pool objects: growing up to max, shrinking to min after the idle time, statistics,
// separate pools, and no call lost while threads retire.
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/greenthread.hpp"
#include "tpool/pool.hpp"

using namespace eventlet;
using namespace std::chrono_literals;
using hub_tests::hub_test;

namespace {

// Runs `n` calls of `f` on `p` at once, from n greenthreads, and waits for them all.
template <typename F>
void run_concurrently(tpool::pool& p, int n, F f) {
  std::vector<greenthread<void>> callers;
  for (int i = 0; i < n; ++i) callers.push_back(spawn([&p, f] { p.execute(f); }));
  for (auto& c : callers) c.wait();
}

// Waits (greenly) up to `seconds` for `done()` to hold.
template <typename F>
bool eventually(F done, double seconds = 5) {
  for (const double until = hubs::hub::clock() + seconds; hubs::hub::clock() < until;) {
    if (done()) return true;
    eventlet::sleep(0.01);
  }
  return done();
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "a pool grows on demand up to max") {
  tpool::pool p({.min = 0, .max = 3, .idle = 30s});
  CHECK(p.statistics().threads == 0);
  std::atomic<int> running{0}, most{0};
  run_concurrently(p, 12, [&] {
    const int now = ++running;
    for (int m = most; m < now && !most.compare_exchange_weak(m, now);) {
    }
    std::this_thread::sleep_for(5ms);
    --running;
  });
  const tpool::pool_statistics s = p.statistics();
  CHECK(s.threads == 3);
  CHECK(s.started == 3);
  CHECK(s.calls == 12);
  CHECK(s.queued == 0);
  CHECK(most <= 3);
  CHECK(most >= 2);
}

TEST_CASE_FIXTURE(hub_test, "a pool shrinks to min after the idle time") {
  tpool::pool p({.min = 1, .max = 4, .idle = 100ms});
  run_concurrently(p, 8, [] { std::this_thread::sleep_for(20ms); });
  CHECK(p.statistics().threads == 4);
  CHECK(eventually([&] { return p.statistics().threads == 1; }));
  eventlet::sleep(0.3);  // min threads stay
  const tpool::pool_statistics s = p.statistics();
  CHECK(s.threads == 1);
  CHECK(s.ended == 3);
  CHECK(s.idle == 1);
  // And it grows again.
  run_concurrently(p, 4, [] { std::this_thread::sleep_for(20ms); });
  CHECK(p.statistics().threads >= 2);
  CHECK(p.statistics().calls == 12);
}

TEST_CASE_FIXTURE(hub_test, "no call is lost while idle threads retire") {
  tpool::pool p({.min = 0, .max = 2, .idle = 1ms});
  std::atomic<int> done{0};
  for (int i = 0; i < 200; ++i) {
    run_concurrently(p, 1 + i % 3, [&] { ++done; });
    if (i % 4 == 0) std::this_thread::sleep_for(1ms);  // around the idle time
  }
  int expected = 0;
  for (int i = 0; i < 200; ++i) expected += 1 + i % 3;
  CHECK(done == expected);
  CHECK(eventually([&] { return p.statistics().threads == 0; }));
}

TEST_CASE_FIXTURE(hub_test,
                  "pools have threads of their own; a call from a pool thread runs inline") {
  tpool::pool a({.max = 1}), b({.max = 1});
  const std::thread::id in_a = a.execute([] { return std::this_thread::get_id(); });
  const std::thread::id in_b = b.execute([] { return std::this_thread::get_id(); });
  CHECK(in_a != in_b);
  CHECK(b.execute([&a] { return a.execute([] { return std::this_thread::get_id(); }); }) == in_b);
}

TEST_CASE_FIXTURE(hub_test, "destroying a pool finishes its queued calls") {
  auto finished = std::make_shared<std::atomic<int>>(0);
  auto go = std::make_shared<std::atomic<bool>>(false);
  {
    tpool::pool p({.max = 1});
    std::vector<greenthread<void>> callers;
    for (int i = 0; i < 4; ++i)
      callers.push_back(spawn([&p, finished, go] {
        p.execute([finished, go] {
          while (!*go) std::this_thread::sleep_for(1ms);  // held until the check below
          ++*finished;
        });
      }));
    eventlet::sleep(0);  // every call is handed over; the one thread takes one, three wait
    for (int tries = 0; p.statistics().queued != 3 && tries < 5000; ++tries)
      std::this_thread::sleep_for(1ms);
    CHECK(p.statistics().queued == 3);
    CHECK(p.statistics().threads == 1);
    for (auto& c : callers) c.kill();  // the callers give up; the calls still run
    *go = true;
  }
  CHECK(*finished == 4);
}

TEST_CASE_FIXTURE(hub_test, "bad pool options are refused") {
  CHECK_THROWS_AS(tpool::pool({.max = 0}), std::invalid_argument);
  CHECK_THROWS_AS(tpool::pool({.min = -1}), std::invalid_argument);
  CHECK_THROWS_AS(tpool::pool({.min = 3, .max = 2}), std::invalid_argument);
  CHECK_THROWS_AS(tpool::pool({.idle = -1s}), std::invalid_argument);
  tpool::pool p({.min = 2, .max = 4});
  CHECK_THROWS_AS(p.set_max(1), std::invalid_argument);
  p.set_max(8);
  CHECK(p.max() == 8);
}
