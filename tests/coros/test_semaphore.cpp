// semaphore, bounded_semaphore, capped_semaphore: counts, balance and locked(), FIFO
// acquirers, timeouts, the bounded release error, capped release blocking, killed acquirers,
// std::lock_guard, the hub greenlet and thread rules.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/semaphore.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test,
                  "semaphore: acquire takes units until none is left; balance and locked follow") {
  semaphore s(2);
  CHECK(s.balance() == 2);
  CHECK_FALSE(s.locked());
  s.acquire();
  s.acquire();
  CHECK(s.balance() == 0);
  CHECK(s.locked());
  CHECK_FALSE(s.try_acquire());
  s.release();
  CHECK(s.balance() == 1);
  CHECK_FALSE(s.locked());
  s.release();
  s.release();  // an unbounded semaphore counts past its start
  CHECK(s.balance() == 3);
  CHECK(semaphore().balance() == 1);
}

TEST_CASE_FIXTURE(hub_test, "semaphore: balance goes negative by the blocked acquirers") {
  semaphore s(0);
  std::vector<greenthread<bool>> acquirers;
  for (int i = 0; i < 3; ++i)
    acquirers.push_back(spawn([&] {
      s.acquire();
      return true;
    }));
  eventlet::sleep(0);
  CHECK(s.balance() == -3);
  CHECK(s.locked());
  s.release();
  CHECK(s.balance() == -2);
  s.release();
  s.release();
  CHECK(s.balance() == 0);
  for (auto& a : acquirers) CHECK(a.wait());
  CHECK(s.locked());
}

TEST_CASE_FIXTURE(hub_test, "semaphore: blocked acquirers are served in the order they came") {
  semaphore s(0);
  std::vector<int> order;
  std::vector<greenthread<void>> acquirers;
  for (int i = 0; i < 3; ++i)
    acquirers.push_back(spawn([&, i] {
      s.acquire();
      order.push_back(i);
    }));
  eventlet::sleep(0);
  for (int i = 0; i < 3; ++i) {
    s.release();
    eventlet::sleep(0);
    CHECK(order.size() == static_cast<std::size_t>(i + 1));
  }
  CHECK(order == std::vector<int>{0, 1, 2});
  for (auto& a : acquirers) a.wait();
}

TEST_CASE_FIXTURE(hub_test, "semaphore: a newcomer does not take a unit handed to a waiter") {
  semaphore s(0);
  auto waiter = spawn([&] {
    s.acquire();
    return true;
  });
  eventlet::sleep(0);
  s.release();  // handed to the waiter, which has not run yet
  CHECK_FALSE(s.try_acquire());
  CHECK(waiter.wait());
  CHECK(s.balance() == 0);
}

TEST_CASE_FIXTURE(
    hub_test, "semaphore: acquire(timeout) throws once the time has passed, try_acquire is false") {
  semaphore s(0);
  const double start = hubs::hub::clock();
  CHECK_THROWS_AS(s.acquire(0.02), timeout_error);
  CHECK(hubs::hub::clock() - start >= 0.02);
  CHECK(s.balance() == 0);
  CHECK_FALSE(s.try_acquire(0.0));
  CHECK_FALSE(s.try_acquire(0.01));
  auto releaser = spawn_after(0.01, [&] { s.release(); });
  s.acquire(1.0);
  releaser.wait();
  releaser = spawn_after(0.01, [&] { s.release(); });
  CHECK(s.try_acquire(1.0));
  releaser.wait();
  CHECK(s.balance() == 0);
}

TEST_CASE_FIXTURE(hub_test, "semaphore: bad timeouts and counts are refused") {
  semaphore s(1);
  CHECK_THROWS_AS(s.acquire(std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(s.acquire(-2), std::invalid_argument);
  CHECK_THROWS_AS(s.try_acquire(-0.5), std::invalid_argument);
  CHECK(s.balance() == 1);
  CHECK_THROWS_AS(semaphore(-1), std::invalid_argument);
  CHECK_THROWS_AS(bounded_semaphore(-1), std::invalid_argument);
  CHECK_THROWS_AS(capped_semaphore(-1, 1), std::invalid_argument);
  CHECK_THROWS_AS(capped_semaphore(0, -1), std::invalid_argument);
  CHECK_THROWS_AS(capped_semaphore(3, 2), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "bounded_semaphore: release past the initial count is an error") {
  bounded_semaphore s(2);
  CHECK_THROWS_AS(s.release(), std::logic_error);
  s.acquire();
  s.release();
  CHECK_THROWS_AS(s.release(), std::logic_error);
  CHECK(s.balance() == 2);
}

TEST_CASE_FIXTURE(hub_test, "capped_semaphore: release blocks while the count is at the limit") {
  capped_semaphore s(1, 2);
  s.release();
  CHECK(s.balance() == 2);
  bool released = false;
  auto releaser = spawn([&] {
    s.release();
    released = true;
  });
  eventlet::sleep(0);
  CHECK_FALSE(released);
  CHECK(s.balance() == 3);  // the count, plus the blocked releaser
  s.acquire();              // makes room: the releaser's unit comes in
  releaser.wait();
  CHECK(released);
  CHECK(s.balance() == 2);
}

TEST_CASE_FIXTURE(hub_test, "capped_semaphore: with limit 0, release and acquire meet") {
  capped_semaphore s(0, 0);
  auto acquirer = spawn([&] {
    s.acquire();
    return true;
  });
  eventlet::sleep(0);
  s.release();  // hands the unit to the waiting acquirer
  CHECK(acquirer.wait());
  bool released = false;
  auto releaser = spawn([&] {
    s.release();
    released = true;
  });
  eventlet::sleep(0);
  CHECK_FALSE(released);
  CHECK(s.balance() == 1);
  s.acquire();  // takes the blocked releaser's unit
  releaser.wait();
  CHECK(released);
  CHECK(s.balance() == 0);
}

TEST_CASE_FIXTURE(hub_test,
                  "semaphore: an acquirer killed after it was handed a unit gives it back") {
  semaphore s(0);
  auto a = spawn([&] {
    s.acquire();
    return true;
  });
  auto b = spawn([&] {
    s.acquire();
    return true;
  });
  eventlet::sleep(0);
  s.release();  // handed to a, which has not run yet
  a.kill();     // passes the unit to b
  CHECK_THROWS_AS(a.wait(), greenlet_exit);
  CHECK(b.wait());
  CHECK(s.balance() == 0);

  auto c = spawn([&] {
    s.acquire();
    return true;
  });
  eventlet::sleep(0);
  s.release();  // handed to c
  c.kill();     // nobody else waits: the unit goes back to the count
  CHECK_THROWS_AS(c.wait(), greenlet_exit);
  CHECK(s.balance() == 1);
  CHECK_FALSE(s.locked());
}

TEST_CASE_FIXTURE(hub_test, "semaphore: a killed blocked acquirer leaves the count alone") {
  semaphore s(0);
  auto a = spawn([&] {
    s.acquire();
    return true;
  });
  eventlet::sleep(0);
  CHECK(s.balance() == -1);
  a.kill();
  CHECK_THROWS_AS(a.wait(), greenlet_exit);
  CHECK(s.balance() == 0);
  s.release();
  CHECK(s.balance() == 1);
}

TEST_CASE_FIXTURE(hub_test, "semaphore: std::lock_guard and std::unique_lock are its guards") {
  semaphore s(1);
  {
    std::lock_guard<semaphore> hold(s);
    CHECK(s.locked());
  }
  CHECK_FALSE(s.locked());
  {
    std::unique_lock<semaphore> first(s, std::try_to_lock);
    CHECK(first.owns_lock());
    std::unique_lock<semaphore> second(s, std::try_to_lock);
    CHECK_FALSE(second.owns_lock());
  }
  CHECK(s.balance() == 1);

  int inside = 0, most_inside = 0;
  std::vector<greenthread<void>> workers;
  for (int i = 0; i < 3; ++i)
    workers.push_back(spawn([&] {
      std::lock_guard<semaphore> hold(s);
      most_inside = std::max(most_inside, ++inside);
      eventlet::sleep(0);
      --inside;
    }));
  for (auto& w : workers) w.wait();
  CHECK(most_inside == 1);

  bounded_semaphore b(1);
  {
    std::lock_guard<bounded_semaphore> hold(b);
    CHECK(b.locked());
  }
  CHECK(b.balance() == 1);
}

TEST_CASE_FIXTURE(
    hub_test, "semaphore: non-blocking calls work in a hub callback; blocking ones are refused") {
  semaphore s(1);
  capped_semaphore capped(1, 1);
  std::string refused_acquire, refused_release;
  bool took = false, second = true;
  hubs::timer t = hub.schedule_call_global(0, [&] {
    took = s.try_acquire();
    second = s.try_acquire();
    try {
      s.acquire();
    } catch (const hubs::hub_error& e) {
      refused_acquire = e.what();
    }
    s.release();
    try {
      capped.release();  // at its limit: would block
    } catch (const hubs::hub_error& e) {
      refused_release = e.what();
    }
  });
  eventlet::sleep(0);
  CHECK(took);
  CHECK_FALSE(second);
  CHECK(refused_acquire.find("hub") != std::string::npos);
  CHECK(refused_release.find("hub") != std::string::npos);
  CHECK(s.balance() == 1);
  CHECK(capped.balance() == 1);
}

TEST_CASE_FIXTURE(hub_test, "semaphore: use from another thread is refused") {
  semaphore s(1);
  int refused = 0;
  std::thread([&] {
    for (auto call : {+[](semaphore& x) { x.try_acquire(); }, +[](semaphore& x) { x.release(); },
                      +[](semaphore& x) { x.balance(); }}) {
      try {
        call(s);
      } catch (const hubs::hub_error& e) {
        if (std::string(e.what()).find("another thread") != std::string::npos) ++refused;
      }
    }
  }).join();
  CHECK(refused == 3);
  CHECK(s.balance() == 1);
}
