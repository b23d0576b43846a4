// Timers: order, cancel, compaction, fairness of sleep(0), many sleepers.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <vector>

#include "../support/fixture.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "timers fire in deadline order, equal delays in the order scheduled") {
  std::vector<int> fired;
  const double delays[] = {0.03, 0.01, 0.02, 0.01, 0.0, 0.01, 0.0};
  std::vector<hubs::timer> timers;
  for (int i = 0; i < 7; ++i)
    timers.push_back(hub.schedule_call_global(delays[i], [&fired, i] { fired.push_back(i); }));
  for (int i = 0; i < 1000; ++i)
    timers.push_back(hub.schedule_call_global(0.015, [&fired, i] { fired.push_back(100 + i); }));
  eventlet::sleep(0.05);
  REQUIRE(fired.size() == 1007);
  CHECK(std::vector<int>(fired.begin(), fired.begin() + 5) == std::vector<int>{4, 6, 1, 3, 5});
  for (int i = 0; i < 1000; ++i) CHECK(fired[5 + i] == 100 + i);
  CHECK(fired[1005] == 2);
  CHECK(fired[1006] == 0);
}

TEST_CASE_FIXTURE(hub_test, "a cancelled timer never fires; cancel after firing is harmless") {
  int fired = 0;
  hubs::timer a = hub.schedule_call_global(0.01, [&] { ++fired; });
  hubs::timer b = hub.schedule_call_global(0, [&] { fired += 10; });
  hubs::timer c = hub.schedule_call_global(0.01, [&] { fired += 100; });
  CHECK(a.pending());
  a.cancel();
  b.cancel();
  CHECK_FALSE(a.pending());
  CHECK(hub.timer_count() == 1);
  eventlet::sleep(0.03);
  CHECK(fired == 100);
  CHECK_FALSE(c.pending());
  c.cancel();
  a.cancel();
  CHECK(fired == 100);
}

TEST_CASE_FIXTURE(hub_test, "cancelling a timer releases what it captured at once") {
  auto token = std::make_shared<int>(0);
  hubs::timer t = hub.schedule_call_global(100, [token] {});
  CHECK(token.use_count() == 2);
  t.cancel();
  CHECK(token.use_count() == 1);
}

TEST_CASE_FIXTURE(hub_test, "a timer handle may outlive its call and be dropped any time") {
  int fired = 0;
  {
    hubs::timer dropped = hub.schedule_call_global(0, [&] { ++fired; });
  }
  hubs::timer kept = hub.schedule_call_global(0, [&] { ++fired; });
  eventlet::sleep(0);
  CHECK(fired == 2);
  hubs::timer moved = std::move(kept);
  CHECK_FALSE(moved.pending());
}

namespace {
double rss_mib() {
  std::ifstream statm("/proc/self/statm");
  double size, resident;
  statm >> size >> resident;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 20);
}
}  // namespace

TEST_CASE_FIXTURE(hub_test, "a million cancelled timers are compacted: memory stays bounded") {
  const double before = rss_mib();
  for (int i = 0; i < 1'000'000; ++i) hub.schedule_call_global(1000, [] {}).cancel();
  CHECK(hub.timer_count() == 0);
  const double grown = rss_mib() - before;
  MESSAGE("RSS growth after a million cancelled timers: ", grown, " MiB");
#if !defined(__SANITIZE_ADDRESS__)  // ASan's quarantine keeps freed memory resident
  CHECK(grown < 16);
#endif
  bool fired = false;
  hubs::timer live = hub.schedule_call_global(0.001, [&] { fired = true; });
  eventlet::sleep(0.01);
  CHECK(fired);
}

TEST_CASE_FIXTURE(hub_test, "sleep(0) is fair: N greenthreads take turns") {
  constexpr int n = 10, rounds = 50;
  std::vector<int> order;
  std::vector<greenthread<void>> all;
  for (int id = 0; id < n; ++id)
    all.push_back(spawn([&order, id] {
      for (int r = 0; r < rounds; ++r) {
        order.push_back(id);
        eventlet::sleep(0);
      }
    }));
  for (auto& g : all) g.wait();
  REQUIRE(order.size() == n * rounds);
  for (std::size_t i = 0; i < order.size(); ++i) CHECK(order[i] == static_cast<int>(i % n));
}

TEST_CASE_FIXTURE(hub_test,
                  "a call scheduled by a call runs on a later pass, after waiting greenthreads") {
  std::vector<std::string> seen;
  std::function<void(int)> chain = [&](int left) {
    seen.push_back("timer");
    if (left) hub.schedule_call_global(0, [&chain, left] { chain(left - 1); });
  };
  auto gt = spawn([&] {
    for (int i = 0; i < 3; ++i) {
      seen.push_back("green");
      eventlet::sleep(0);
    }
  });
  eventlet::sleep(0);  // the greenthread starts
  hub.schedule_call_global(0, [&] { chain(2); });
  gt.wait();
  // The chain cannot run all at once: each link waits a pass, so the greenthread interleaves.
  CHECK(seen == std::vector<std::string>{"green", "green", "timer", "green", "timer", "timer"});
}

TEST_CASE_FIXTURE(hub_test, "ten thousand sleepers wake, each after its own delay") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> delay(0, 0.05);
  int woken = 0, early = 0;
  std::vector<greenthread<void>> all;
  for (int i = 0; i < 10000; ++i) {
    const double d = delay(rng);
    all.push_back(spawn([&, d] {
      const double start = hubs::hub::clock();
      eventlet::sleep(d);
      if (hubs::hub::clock() - start < d) ++early;
      ++woken;
    }));
  }
  for (auto& g : all) g.wait();
  CHECK(woken == 10000);
  CHECK(early == 0);
}

TEST_CASE_FIXTURE(hub_test, "bad delays: NaN is refused, negative means now") {
  CHECK_THROWS_AS(hub.schedule_call_global(std::nan(""), [] {}), std::invalid_argument);
  CHECK_THROWS_AS(eventlet::sleep(std::nan("")), std::invalid_argument);
  bool fired = false;
  hubs::timer t = hub.schedule_call_global(-5, [&] { fired = true; });
  eventlet::sleep(0);
  CHECK(fired);
}
