// The greenthread API: spawn, wait, links, kill, cancel, spawn_n, spawn_after, sleep.
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../support/fixture.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "spawn runs the function with its arguments; wait returns the value") {
  auto gt = spawn([](int a, std::string b) { return b + std::to_string(a); }, 42, std::string("x"));
  CHECK(gt.wait() == "x42");
  CHECK(gt.wait() == "x42");  // waiting again returns the same value
  CHECK(gt.dead());
}

TEST_CASE_FIXTURE(hub_test, "spawn does not run the function until the caller yields") {
  bool ran = false;
  auto gt = spawn([&] { ran = true; });
  CHECK_FALSE(ran);
  gt.wait();
  CHECK(ran);
}

TEST_CASE_FIXTURE(hub_test, "wait rethrows what the function threw") {
  auto gt = spawn([]() -> int { throw std::domain_error("bad"); });
  CHECK_THROWS_WITH_AS(gt.wait(), "bad", std::domain_error);
  CHECK_THROWS_AS(gt.wait(), std::domain_error);
}

TEST_CASE_FIXTURE(hub_test, "a move-only result can be moved out") {
  auto gt = spawn([] { return std::make_unique<int>(9); });
  std::unique_ptr<int> p = std::move(gt.wait());
  CHECK(*p == 9);
}

TEST_CASE_FIXTURE(hub_test, "several greenthreads may wait for one") {
  auto slow = spawn([] {
    eventlet::sleep(0.01);
    return 3;
  });
  int total = 0;
  std::vector<greenthread<void>> waiters;
  for (int i = 0; i < 5; ++i) waiters.push_back(spawn([&] { total += slow.wait(); }));
  for (auto& w : waiters) w.wait();
  CHECK(total == 15);
}

TEST_CASE_FIXTURE(hub_test, "links run when the greenthread finishes, or at once if it has") {
  std::vector<int> seen;
  auto gt = spawn([] { return 4; });
  gt.link([&](greenthread<int>& g) { seen.push_back(g.wait()); });
  const std::size_t dropped = gt.link([&](greenthread<int>&) { seen.push_back(-1); });
  CHECK(gt.unlink(dropped));
  CHECK_FALSE(gt.unlink(dropped));
  gt.wait();
  CHECK(seen == std::vector<int>{4});
  gt.link([&](greenthread<int>& g) { seen.push_back(g.wait() * 10); });
  CHECK(seen == std::vector<int>{4, 40});
}

TEST_CASE_FIXTURE(hub_test,
                  "kill raises greenlet_exit in a running greenthread; wait rethrows it") {
  bool cleaned = false, after = false;
  auto gt = spawn([&] {
    struct cleanup {
      bool& flag;
      ~cleanup() { flag = true; }
    } c{cleaned};
    eventlet::sleep(10);
    after = true;
  });
  eventlet::sleep(0);
  gt.kill();
  CHECK(gt.dead());
  CHECK(cleaned);
  CHECK_FALSE(after);
  CHECK_THROWS_AS(gt.wait(), greenlet_exit);
  gt.kill();  // a no-op now
}

TEST_CASE_FIXTURE(hub_test, "kill with another exception; kill() as a free function") {
  auto gt = spawn([] { eventlet::sleep(10); });
  eventlet::sleep(0);
  eventlet::kill(gt, std::make_exception_ptr(std::runtime_error("stop")));
  CHECK_THROWS_WITH(gt.wait(), "stop");
}

TEST_CASE_FIXTURE(hub_test, "killing a greenthread that has not started means it never runs") {
  bool ran = false;
  auto gt = spawn([&] { ran = true; });
  gt.kill();
  CHECK(gt.dead());
  eventlet::sleep(0.01);
  CHECK_FALSE(ran);
  CHECK_THROWS_AS(gt.wait(), greenlet_exit);
}

TEST_CASE_FIXTURE(hub_test, "kill from a hub callback, and a greenthread killing itself") {
  auto victim = spawn([] { eventlet::sleep(10); });
  eventlet::sleep(0);
  hubs::timer t = hub.schedule_call_global(0, [&] { victim.kill(); });
  CHECK_THROWS_AS(victim.wait(), greenlet_exit);
  greenthread<void>* me = nullptr;
  auto suicidal = spawn([&] {
    me->kill();
    FAIL("kept running after killing itself");
  });
  me = &suicidal;
  CHECK_THROWS_AS(suicidal.wait(), greenlet_exit);
}

TEST_CASE_FIXTURE(hub_test, "cancel stops a greenthread only before it starts") {
  bool ran = false;
  auto early = spawn([&] { ran = true; });
  CHECK(early.cancel());
  eventlet::sleep(0.001);
  CHECK_FALSE(ran);
  auto started = spawn([] { eventlet::sleep(0.01); });
  eventlet::sleep(0);
  CHECK_FALSE(started.cancel());
  started.wait();
}

TEST_CASE_FIXTURE(hub_test, "spawn_after starts later, and cancel stops it") {
  const double start = hubs::hub::clock();
  auto later = spawn_after(0.02, [] { return hubs::hub::clock(); });
  CHECK(later.wait() - start >= 0.02);
  bool ran = false;
  auto never = spawn_after(0.01, [&] { ran = true; });
  CHECK(never.cancel());
  eventlet::sleep(0.02);
  CHECK_FALSE(ran);
  CHECK_THROWS_AS(spawn_after(std::nan(""), [] {}), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "spawn_n runs without a handle; its exception is reported, named") {
  hub_tests::collected_reports collected(hub);
  std::vector<std::string>& reports = collected.lines;
  int ran = 0;
  spawn_n([&](int n) { ran = n; }, 8);
  spawn_n(spawn_options{.name = "loser"}, [] { throw std::runtime_error("lost"); });
  eventlet::sleep(0.01);
  CHECK(ran == 8);
  CHECK(reports == std::vector<std::string>{"greenthread 'loser' (nobody waited for it): lost"});
}

TEST_CASE_FIXTURE(hub_test, "a greenthread runs to the end though its handles are gone") {
  bool finished = false;
  auto token = std::make_shared<int>(0);
  spawn([&finished, token] {
    eventlet::sleep(0.005);
    finished = true;
  });
  eventlet::sleep(0.02);
  CHECK(finished);
  eventlet::sleep(0);  // its state goes on the pass after it finished
  CHECK(token.use_count() == 1);
}

TEST_CASE_FIXTURE(hub_test, "sleep lasts at least the time asked; the main greenlet may sleep") {
  const double start = hubs::hub::clock();
  eventlet::sleep(0.015);
  CHECK(hubs::hub::clock() - start >= 0.015);
  eventlet::sleep(-1);  // now
}

TEST_CASE_FIXTURE(hub_test, "call_after calls in the hub after the delay; its timer can cancel") {
  int calls = 0;
  hubs::timer a = call_after(0.005, [&] { ++calls; });
  hubs::timer b = call_after(0.005, [&] { calls += 10; });
  b.cancel();
  eventlet::sleep(0.02);
  CHECK(calls == 1);
}

TEST_CASE_FIXTURE(hub_test, "spawn_after_local runs while its spawner lives, not after") {
  int runs = 0;
  auto spawner = spawn([&] {
    auto later = spawn_after_local(
        0.01, [&](int n) { return runs += n; }, 1);
    CHECK(later.wait() == 1);                         // the spawner is alive: it ran
    return spawn_after_local(0.01, [&] { ++runs; });  // the spawner returns at once
  });
  auto orphan = spawner.wait();
  CHECK_THROWS_AS(orphan.wait(), greenlet_exit);  // cancelled: its spawner had finished
  CHECK(runs == 1);
  auto from_main = spawn_after_local(0, [] { return 7; });  // the main greenlet never finishes
  CHECK(from_main.wait() == 7);
}
