// wait_any(): the first of greenthreads, events and queues to be ready, nothing taken from the
// others (nor from the one chosen), argument order among those ready, timeouts and bad input,
// no helper left behind.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "../support/fixture.hpp"
#include "coros/wait_any.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "wait_any: says which source is ready first, takes nothing") {
  queue<std::string> jobs;
  event<int> quit;
  auto worker = spawn([] {
    eventlet::sleep(0.05);
    return 3;
  });
  auto putter = spawn([&] {
    eventlet::sleep(0.01);
    jobs.put("job");
  });
  CHECK(wait_any(quit, jobs, worker) == 1);
  CHECK(jobs.qsize() == 1);  // still there: the caller takes it
  CHECK(jobs.get_nowait() == "job");
  CHECK(wait_any(quit, jobs, worker) == 2);
  CHECK(worker.wait() == 3);
  quit.send(9);
  CHECK(wait_any(jobs, quit) == 1);
  CHECK(quit.wait() == 9);  // an event is not used up by being waited on
  putter.wait();
  CHECK(hub.greenthread_count() == 0);  // no helper left
}

TEST_CASE_FIXTURE(hub_test, "wait_any: of several ready, the first in argument order") {
  event<void> a, b;
  b.send();
  a.send();
  CHECK(wait_any(b, a) == 0);
  CHECK(wait_any(a, b) == 0);
}

TEST_CASE_FIXTURE(hub_test, "wait_any: a queue item another getter takes is not counted") {
  light_queue<int> q;
  event<void> never;
  auto getter = spawn([&] { return q.get(); });  // first in line for the item
  auto putter = spawn([&] {
    eventlet::sleep(0.01);
    q.put(1);  // handed to the getter: nothing for wait_any
  });
  CHECK(!try_wait_any(0.05, q, never));
  CHECK(getter.wait() == 1);
  putter.wait();
  // A rendezvous queue (maxsize 0): a blocked putter's item counts.
  queue<int> rendezvous(0);
  auto offer = spawn([&] { rendezvous.put(5); });
  CHECK(wait_any(5.0, never, rendezvous) == 1);
  CHECK(rendezvous.get_nowait() == 5);
  offer.wait();
}

TEST_CASE_FIXTURE(hub_test, "wait_any: failed and killed greenthreads are ready too") {
  auto fails = spawn([]() -> int { throw std::runtime_error("no"); });
  event<void> never;
  CHECK(wait_any(never, fails) == 1);
  CHECK_THROWS_AS(fails.wait(), std::runtime_error);  // the caller still sees it
  auto sleeper = spawn([] { eventlet::sleep(10); });
  auto killer = spawn([&] { sleeper.kill(); });
  CHECK(wait_any(5.0, sleeper) == 0);
  killer.wait();
}

TEST_CASE_FIXTURE(hub_test, "wait_any: a timeout throws, try_wait_any returns nothing") {
  event<void> e;
  queue<int> q;
  CHECK_THROWS_AS(wait_any(0.02, e, q), timeout_error);
  CHECK(!try_wait_any(0.02, e, q));
  CHECK(!try_wait_any(0, e));
  CHECK_THROWS_AS(wait_any(-1.0, e), std::invalid_argument);
  CHECK_THROWS_AS(try_wait_any(std::nan(""), e), std::invalid_argument);
  q.put(1);
  CHECK(q.try_wait_nonempty(0));
  q.wait_nonempty(1.0);
  CHECK(q.qsize() == 1);
  CHECK(hub.greenthread_count() == 0);
}

TEST_CASE_FIXTURE(hub_test, "wait_any: a waiter killed meanwhile leaves no helper behind") {
  event<void> e;
  auto waiter = spawn([&] { return wait_any(e); });
  eventlet::sleep(0.01);
  waiter.kill();
  CHECK_THROWS_AS(waiter.wait(), greenlet_exit);
  eventlet::sleep(0);
  CHECK(hub.greenthread_count() == 0);
  e.send();
}
