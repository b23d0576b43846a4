// condition: wait/notify/notify_all over a semaphore and a std::unique_lock, timeouts and
// predicates, the lock held again on every way out, a notification passed on by a killed
// waiter, bad input and the thread rules.
#include <doctest/doctest.h>

#include <cmath>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "../support/fixture.hpp"
#include "coros/condition.hpp"
#include "coros/semaphore.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "condition: a consumer waits for a producer's item, lock held") {
  semaphore lock;
  condition ready;
  std::deque<int> items;
  auto consumer = spawn([&] {
    std::lock_guard g(lock);
    ready.wait(lock, [&] { return !items.empty(); });
    CHECK(lock.locked());
    const int v = items.front();
    items.pop_front();
    return v;
  });
  eventlet::sleep(0.01);
  CHECK(ready.waiting() == 1);
  CHECK(!lock.locked());  // released while it waits
  {
    std::lock_guard g(lock);
    items.push_back(7);
    ready.notify();
  }
  CHECK(consumer.wait() == 7);
  CHECK(!lock.locked());
}

TEST_CASE_FIXTURE(hub_test, "condition: notify(n) wakes n waiters in order, notify_all the rest") {
  semaphore lock;
  condition c;
  std::vector<int> woke;
  std::vector<greenthread<void>> waiters;
  for (int i = 0; i < 4; ++i)
    waiters.push_back(spawn([&, i] {
      std::unique_lock g(lock);
      c.wait(g);  // over a std::unique_lock
      woke.push_back(i);
    }));
  eventlet::sleep(0.01);
  c.notify(2);
  eventlet::sleep(0.01);
  CHECK(woke == std::vector<int>{0, 1});
  c.notify_all();
  waitall(waiters);
  CHECK(woke == std::vector<int>{0, 1, 2, 3});
  c.notify();  // nobody waits: nothing happens
}

TEST_CASE_FIXTURE(hub_test, "condition: timeouts throw or return false, with the lock held") {
  semaphore lock;
  condition c;
  std::lock_guard g(lock);
  CHECK_THROWS_AS(c.wait(lock, 0.01), timeout_error);
  CHECK(lock.locked());
  CHECK(!c.try_wait(lock, 0.01));
  CHECK(lock.locked());
  int calls = 0;
  CHECK(!c.try_wait(lock, 0.02, [&] { return ++calls > 100; }));
  CHECK_THROWS_AS(c.wait(lock, 0.01, [] { return false; }), timeout_error);
  CHECK(c.try_wait(lock, 0.01, [] { return true; }));  // true at once: no wait
  CHECK(lock.locked());
  CHECK_THROWS_AS(c.try_wait(lock, -1), std::invalid_argument);
  CHECK_THROWS_AS(c.wait(lock, std::nan("")), std::invalid_argument);
  CHECK(lock.locked());
}

TEST_CASE_FIXTURE(hub_test, "condition: a killed waiter takes the lock back; its notify goes on") {
  semaphore lock;
  condition c;
  bool second_woke = false;
  bool held_on_exit = false;
  auto first = spawn([&] {
    std::lock_guard g(lock);
    try {
      c.wait(lock);
    } catch (const greenlet_exit&) {
      held_on_exit = lock.locked();
      throw;
    }
  });
  auto second = spawn([&] {
    std::lock_guard g(lock);
    c.wait(lock);
    second_woke = true;
  });
  eventlet::sleep(0.01);
  c.notify();    // picks the first ...
  first.kill();  // ... which dies before it resumes: the second gets the notification
  CHECK(held_on_exit);
  second.wait();
  CHECK(second_woke);
  CHECK(!lock.locked());
}

TEST_CASE_FIXTURE(hub_test, "condition: refused from the hub greenlet and from another thread") {
  semaphore lock;
  condition c;
  bool refused = false;
  auto t = hub.schedule_call_global(0, [&] {
    try {
      std::lock_guard g(lock);
      c.wait(lock);
    } catch (const hubs::hub_error&) {
      refused = true;
    }
  });
  eventlet::sleep(0.01);
  CHECK(refused);
  CHECK(!lock.locked());
  bool other_refused = false;
  std::thread([&] {
    try {
      c.notify();
    } catch (const hubs::hub_error&) {
      other_refused = true;
    }
  }).join();
  CHECK(other_refused);
}
