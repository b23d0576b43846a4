// Direct hand-offs (a waker switching straight to the waiter it woke, a waiter starting the
// greenthread it waits for, a greenthread finishing into its waiter): run order stays what
// the hub's passes give, timers and fds still get their turn, and recycled greenthread cores
// start clean.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/event.hpp"
#include "coros/queue.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test,
                  "hand-off: a woken getter runs after greenthreads made runnable before it") {
  light_queue<int> q, back;
  std::vector<std::string> order;
  auto getter = spawn([&] {
    order.push_back("getter got " + std::to_string(q.get()));
    back.put(0);
  });
  eventlet::sleep(0);  // the getter blocks
  auto putter = spawn([&] {
    auto earlier = spawn([&] { order.push_back("earlier"); });  // runnable first
    q.put(1);
    back.get();  // blocks: the getter must not jump ahead of `earlier`
    order.push_back("putter");
    earlier.wait();
  });
  putter.wait();
  getter.wait();
  CHECK(order == std::vector<std::string>{"earlier", "getter got 1", "putter"});
}

TEST_CASE_FIXTURE(hub_test, "hand-off: waiters woken together resume in the order they came") {
  event<> go;
  light_queue<int> done;
  std::vector<int> order;
  std::vector<greenthread<void>> all;
  for (int i = 0; i < 4; ++i)
    all.push_back(spawn([&, i] {
      go.wait();
      order.push_back(i);
      done.put(i);
    }));
  eventlet::sleep(0);
  auto sender = spawn([&] {
    go.send();
    for (int i = 0; i < 4; ++i) done.get();
  });
  sender.wait();
  for (auto& g : all) g.wait();
  CHECK(order == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE_FIXTURE(hub_test,
                  "hand-off: a queue ping-pong that never touches the hub still lets timers fire") {
  light_queue<int> ping, pong;
  bool fired = false;
  hub.schedule_call_global(0.001, [&] { fired = true; });
  // Each round trip is two direct hand-offs; the hub must still get its passes in between,
  // or the timer would not fire before the cap.
  constexpr long cap = 50'000'000;
  long rounds = 0;
  auto echo = spawn([&] {
    for (int v; (v = ping.get()) >= 0;) pong.put(v);
  });
  auto driver = spawn([&] {
    while (!fired && rounds < cap) {
      ping.put(1);
      pong.get();
      ++rounds;
    }
    ping.put(-1);
  });
  driver.wait();
  echo.wait();
  CHECK(fired);
  CHECK(rounds < cap);
}

TEST_CASE_FIXTURE(hub_test,
                  "hand-off: spawned greenthreads start in spawn order whichever is waited for") {
  std::vector<int> order;
  auto a = spawn([&] { order.push_back(1); });
  auto b = spawn([&] { order.push_back(2); });
  b.wait();  // b's start is not the hub's next call: a's is
  CHECK(order == std::vector<int>{1, 2});
  a.wait();
}

TEST_CASE_FIXTURE(
    hub_test, "hand-off: a greenthread finishing into its waiter leaves runnable ones their turn") {
  std::vector<std::string> order;
  auto other = spawn([&] {
    eventlet::sleep(0);
    order.push_back("other");
  });
  auto waited = spawn([&] {
    eventlet::sleep(0);
    order.push_back("waited");
  });
  auto waiter = spawn([&] {
    waited.wait();
    order.push_back("waiter");
  });
  waiter.wait();
  other.wait();
  CHECK(order == std::vector<std::string>{"other", "waited", "waiter"});
}

TEST_CASE_FIXTURE(
    hub_test,
    "recycled cores: results, exceptions and links of one greenthread never show in the next") {
  for (int i = 0; i < 200; ++i) {  // more than the per-thread cache holds, one at a time
    if (i % 2) {
      auto g = spawn([i] { return i; });
      CHECK(g.wait() == i);
      CHECK(g.dead());
    } else {
      auto g = spawn([] { throw std::runtime_error("odd one"); });
      int linked = 0;
      g.link([&](greenthread<void>&) { ++linked; });
      CHECK_THROWS_AS(g.wait(), std::runtime_error);
      CHECK(linked == 1);
    }
  }
  std::vector<greenthread<int>> many;  // many at once, then all freed together
  for (int i = 0; i < 300; ++i) many.push_back(spawn([i] { return i * 2; }));
  for (int i = 0; i < 300; ++i) CHECK(many[i].wait() == i * 2);
}
