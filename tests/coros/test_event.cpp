// event<T>: send once, wait many times, all waiters wake; exceptions; timeouts; reset;
// thread rules.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/event.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test,
                  "event: all waiters wake with the sent value; waiting again returns it") {
  event<std::string> e;
  std::vector<std::string> got;
  std::vector<greenthread<void>> waiters;
  for (int i = 0; i < 5; ++i) waiters.push_back(spawn([&] { got.push_back(e.wait()); }));
  eventlet::sleep(0);
  CHECK_FALSE(e.ready());
  e.send("hello");
  for (auto& w : waiters) w.wait();
  CHECK(got == std::vector<std::string>(5, "hello"));
  CHECK(e.wait() == "hello");
  CHECK(e.poll() == "hello");
}

TEST_CASE_FIXTURE(hub_test, "event: sending twice is an error; reset allows a new send") {
  event<int> e;
  e.send(1);
  CHECK_THROWS_AS(e.send(2), std::logic_error);
  CHECK_THROWS_AS(e.send_exception(std::make_exception_ptr(std::runtime_error("x"))),
                  std::logic_error);
  CHECK(e.wait() == 1);
  e.reset();
  CHECK_FALSE(e.ready());
  CHECK_FALSE(e.poll().has_value());
  CHECK_THROWS_AS(e.reset(), std::logic_error);
  e.send(3);
  CHECK(e.wait() == 3);
}

TEST_CASE_FIXTURE(hub_test, "event: send_exception makes every wait throw") {
  event<int> e;
  auto waiter = spawn([&] { return e.wait(); });
  eventlet::sleep(0);
  e.send_exception(std::make_exception_ptr(std::runtime_error("broken")));
  CHECK(e.has_exception());
  CHECK_THROWS_WITH(waiter.wait(), "broken");
  CHECK_THROWS_WITH(e.wait(), "broken");
  CHECK_THROWS_WITH(e.poll(), "broken");
  CHECK_THROWS_AS(e.send_exception(nullptr), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "event: wait(timeout) throws when time runs out, try_wait is empty") {
  event<int> e;
  const double start = hubs::hub::clock();
  CHECK_THROWS_AS(e.wait(0.02), timeout_error);
  CHECK(hubs::hub::clock() - start >= 0.02);
  CHECK_FALSE(e.try_wait(0.01).has_value());
  CHECK_FALSE(e.try_wait(0).has_value());
  spawn_after(0.01, [&] { e.send(7); });
  CHECK(e.wait(1.0) == 7);
  CHECK(e.try_wait(0) == 7);
  CHECK_THROWS_AS(e.wait(std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(e.wait(-1.0), std::invalid_argument);
  CHECK_THROWS_AS(e.try_wait(std::nan("")), std::invalid_argument);
  event<> never;
  CHECK_THROWS_AS(never.wait(0.01), timeout_error);
  CHECK_FALSE(never.try_wait(0.01));
}

TEST_CASE_FIXTURE(hub_test, "event<void>: send with no value") {
  event<> e;
  auto w = spawn([&] {
    e.wait();
    return 1;
  });
  eventlet::sleep(0);
  CHECK_FALSE(e.poll());
  e.send();
  CHECK(w.wait() == 1);
  CHECK(e.try_wait(0.0));
  e.wait(0.0);  // sent: no timeout
}

TEST_CASE_FIXTURE(hub_test, "event: send is safe from a hub callback; wait there is refused") {
  event<int> e;
  std::string refused;
  hubs::timer t = hub.schedule_call_global(0, [&] {
    try {
      e.wait();
    } catch (const hubs::hub_error& x) {
      refused = x.what();
    }
    e.send(9);
  });
  CHECK(e.wait() == 9);
  CHECK(refused.find("hub") != std::string::npos);
}

TEST_CASE_FIXTURE(hub_test, "event: a killed waiter leaves the others waiting") {
  event<int> e;
  int woken = 0;
  auto a = spawn([&] {
    e.wait();
    ++woken;
  });
  auto b = spawn([&] {
    e.wait();
    ++woken;
  });
  eventlet::sleep(0);
  a.kill();
  e.send(1);
  b.wait();
  CHECK(woken == 1);
  CHECK_THROWS_AS(a.wait(), greenlet_exit);
}

TEST_CASE_FIXTURE(hub_test, "event: use from another thread is refused; send_threadsafe works") {
  event<int> e;
  std::string refused;
  std::thread([&] {
    try {
      e.send(1);
    } catch (const hubs::hub_error& x) {
      refused = x.what();
    }
    e.send_threadsafe(42);
  }).join();
  CHECK(refused.find("another thread") != std::string::npos);
  CHECK(e.wait() == 42);
}
