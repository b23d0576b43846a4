// smp::group and smp::run(): a hub per thread, indexes, errors, green joins; smp::run_on().
#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "../support/fixture.hpp"
#include "coros/event.hpp"
#include "coros/greenthread.hpp"
#include "smp/group.hpp"
#include "smp/run_on.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "run() calls fn once per index, each on a thread with its own hub") {
  std::mutex m;
  std::set<int> indexes;
  std::set<std::thread::id> threads;
  std::set<hubs::hub*> hubs_seen;
  smp::run(3, [&](int index) {
    hubs::hub& h = hubs::get_hub();
    eventlet::sleep(0.01);  // the thread's hub runs
    const std::lock_guard<std::mutex> lock(m);
    indexes.insert(index);
    threads.insert(std::this_thread::get_id());
    hubs_seen.insert(&h);
    CHECK(h.name() == hub_tests::expected_hub());
  });
  CHECK(indexes == std::set<int>{0, 1, 2});
  CHECK(threads.size() == 3);
  CHECK(threads.count(std::this_thread::get_id()) == 0);
  CHECK(hubs_seen.size() == 3);
  CHECK(hubs_seen.count(&hub) == 0);
}

TEST_CASE_FIXTURE(hub_test, "join() rethrows the first exception and the other threads still end") {
  std::atomic<int> finished{0};
  smp::group g(3, [&](int index) {
    if (index == 1) throw std::runtime_error("thread 1 failed");
    eventlet::sleep(0.02);
    ++finished;
  });
  CHECK_THROWS_WITH_AS(g.join(), "thread 1 failed", std::runtime_error);
  CHECK(finished == 2);
  CHECK_NOTHROW(g.join());  // once only
}

TEST_CASE_FIXTURE(hub_test, "bad arguments are refused") {
  CHECK_THROWS_AS(smp::group(0, [](int) {}), std::invalid_argument);
  CHECK_THROWS_AS(smp::group(2, nullptr), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "join() waits greenly: the caller's other greenthreads run") {
  int ticks = 0;
  auto ticker = spawn([&] {
    for (;;) {
      ++ticks;
      eventlet::sleep(0.01);
    }
  });
  smp::run(2, [](int) { std::this_thread::sleep_for(std::chrono::milliseconds(150)); });
  CHECK(ticks >= 3);
  ticker.kill();
}

TEST_CASE_FIXTURE(hub_test, "joining from one of the group's own threads is an error") {
  std::atomic<smp::group*> self{nullptr};
  std::atomic<bool> refused{false};
  smp::group g(1, [&](int) {
    while (!self) std::this_thread::yield();
    try {
      self.load()->join();
    } catch (const std::logic_error&) {
      refused = true;
    }
  });
  self = &g;
  g.join();
  CHECK(refused);
}

TEST_CASE_FIXTURE(hub_test, "greenthreads a thread's function leaves behind are killed") {
  std::atomic<int> unwound{0};
  smp::run(2, [&](int) {
    spawn_n([&] {
      struct guard {
        std::atomic<int>& n;
        ~guard() { ++n; }
      } g{unwound};
      eventlet::sleep(1000);
    });
    eventlet::sleep(0);
  });
  CHECK(unwound == 2);
}

TEST_CASE_FIXTURE(hub_test, "run_on() runs on the target's hub, in a greenthread, and returns") {
  std::atomic<bool> stop{false};
  smp::group g(2, [&](int) {
    while (!stop) eventlet::sleep(0.005);
  });
  const std::thread::id here = std::this_thread::get_id();
  const std::thread::id there = smp::run_on(g.hub(1), [] {
    eventlet::sleep(0.01);  // may block: it runs in a greenthread
    return std::this_thread::get_id();
  });
  CHECK(there != here);
  CHECK(smp::run_on(g.hub(0), [] { return 6 * 7; }) == 42);
  int side = 0;
  smp::run_on(g.hub(0), [&side] { side = 1; });  // void
  CHECK(side == 1);
  CHECK_THROWS_WITH_AS(smp::run_on(g.hub(1), []() -> int { throw std::out_of_range("nope"); }),
                       "nope", std::out_of_range);
  stop = true;
  g.join();
  CHECK_THROWS_AS(smp::run_on(g.hub(0), [] { return 1; }), hubs::hub_error);
  CHECK_THROWS_AS(g.hub(2), std::out_of_range);
}

TEST_CASE_FIXTURE(hub_test, "run_on() reports a call killed by the target's shutdown") {
  std::atomic<bool> stop{false};
  smp::group g(1, [&](int) {
    while (!stop) eventlet::sleep(0.005);
  });
  auto caller = spawn([&] {
    return smp::run_on(g.hub(0), [] {
      eventlet::sleep(1000);  // still running when the thread's function returns
      return 1;
    });
  });
  eventlet::sleep(0.05);
  stop = true;  // the thread ends: its hub kills the call
  CHECK_THROWS_AS(caller.wait(), hubs::hub_error);
  g.join();
}
