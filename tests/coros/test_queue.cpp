// The queue family: FIFO order of items and of waiters, rendezvous, bounds, every timeout path,
// the _nowait errors, resize, task tracking, priority and LIFO order, killed waiters, the hub
// greenlet and thread rules.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/queue.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "queue: items come out in the order they went in") {
  light_queue<int> q;
  CHECK(q.empty());
  for (int i = 1; i <= 5; ++i) q.put(i);
  CHECK(q.qsize() == 5);
  CHECK_FALSE(q.full());
  CHECK(q.maxsize() == std::nullopt);
  std::vector<int> got;
  while (!q.empty()) got.push_back(q.get());
  CHECK(got == std::vector<int>{1, 2, 3, 4, 5});
}

TEST_CASE_FIXTURE(hub_test, "queue: blocked getters are served in the order they came") {
  light_queue<int> q;
  std::vector<std::pair<int, int>> got;  // (getter, item)
  std::vector<greenthread<void>> getters;
  for (int i = 0; i < 3; ++i) getters.push_back(spawn([&, i] { got.emplace_back(i, q.get()); }));
  eventlet::sleep(0);
  for (int i = 0; i < 3; ++i) q.put(10 + i);
  for (auto& g : getters) g.wait();
  CHECK(got == std::vector<std::pair<int, int>>{{0, 10}, {1, 11}, {2, 12}});
}

TEST_CASE_FIXTURE(hub_test, "queue: blocked putters are served in the order they came") {
  light_queue<int> q(1);
  q.put(0);
  std::vector<greenthread<void>> putters;
  for (int i = 1; i <= 3; ++i) putters.push_back(spawn([&, i] { q.put(i); }));
  eventlet::sleep(0);
  std::vector<int> got;
  for (int i = 0; i < 4; ++i) got.push_back(q.get());
  CHECK(got == std::vector<int>{0, 1, 2, 3});
  for (auto& p : putters) p.wait();
}

TEST_CASE_FIXTURE(hub_test, "queue: with maxsize 0, put blocks until a getter takes the item") {
  light_queue<std::string> q(0);
  bool returned = false;
  auto putter = spawn([&] {
    q.put("item");
    returned = true;
  });
  eventlet::sleep(0);
  eventlet::sleep(0);
  CHECK_FALSE(returned);
  CHECK(q.putting() == 1);
  CHECK(q.qsize() == 0);
  CHECK(q.full());
  CHECK(q.get() == "item");
  putter.wait();
  CHECK(returned);
  CHECK(q.putting() == 0);
}

TEST_CASE_FIXTURE(hub_test,
                  "queue: with maxsize 0, put_nowait hands the item to a waiting getter") {
  light_queue<int> q(0);
  CHECK_THROWS_AS(q.put_nowait(1), queue_full);
  auto getter = spawn([&] { return q.get(); });
  eventlet::sleep(0);
  q.put_nowait(2);
  CHECK(getter.wait() == 2);
  CHECK(q.qsize() == 0);
}

TEST_CASE_FIXTURE(hub_test, "queue: a full bounded queue blocks put until a get makes room") {
  light_queue<int> q(2);
  q.put(1);
  q.put(2);
  CHECK(q.full());
  bool returned = false;
  auto putter = spawn([&] {
    q.put(3);
    returned = true;
  });
  eventlet::sleep(0);
  CHECK_FALSE(returned);
  CHECK(q.qsize() == 2);
  CHECK(q.get() == 1);  // moves the putter's item in
  CHECK(q.qsize() == 2);
  putter.wait();
  CHECK(returned);
  CHECK(q.get() == 2);
  CHECK(q.get() == 3);
}

TEST_CASE_FIXTURE(hub_test,
                  "queue: get_nowait on an empty queue and put_nowait on a full one throw") {
  light_queue<int> q(1);
  CHECK_THROWS_WITH_AS(q.get_nowait(), "queue::get_nowait: the queue is empty", queue_empty);
  q.put_nowait(1);
  CHECK_THROWS_WITH_AS(q.put_nowait(2), "queue::put_nowait: the queue is full", queue_full);
  CHECK(q.get_nowait() == 1);
  CHECK(q.empty());
}

TEST_CASE_FIXTURE(hub_test, "queue: get(timeout) throws queue_empty once the time has passed") {
  light_queue<int> q;
  const double start = hubs::hub::clock();
  CHECK_THROWS_AS(q.get(0.02), queue_empty);
  CHECK(hubs::hub::clock() - start >= 0.02);
  CHECK(q.getting() == 0);
}

TEST_CASE_FIXTURE(hub_test, "queue: try_get(timeout) returns nothing once the time has passed") {
  queue<int> q;
  CHECK_FALSE(q.try_get(0.01).has_value());
  CHECK_FALSE(q.try_get(0).has_value());
  auto putter = spawn_after(0.01, [&] { q.put(5); });
  CHECK(q.try_get(1.0) == 5);
  putter.wait();
  CHECK_THROWS_AS(q.try_get(-1.0), std::invalid_argument);
  // queue_empty and queue_full are timeout_errors: one catch takes every timeout
  CHECK_THROWS_AS(q.get(0.01), timeout_error);
  CHECK_THROWS_AS(q.get_nowait(), timeout_error);
}

TEST_CASE_FIXTURE(hub_test,
                  "queue: put(item, timeout) throws queue_full once the time has passed") {
  light_queue<int> q(1);
  q.put(1);
  double start = hubs::hub::clock();
  CHECK_THROWS_AS(q.put(2, 0.02), queue_full);
  CHECK(hubs::hub::clock() - start >= 0.02);
  CHECK(q.putting() == 0);
  CHECK(q.qsize() == 1);

  light_queue<int> rendezvous(0);
  start = hubs::hub::clock();
  CHECK_THROWS_AS(rendezvous.put(1, 0.02), queue_full);
  CHECK(hubs::hub::clock() - start >= 0.02);
  CHECK(rendezvous.putting() == 0);
}

TEST_CASE_FIXTURE(hub_test, "queue: timed get and put succeed when served in time") {
  light_queue<int> q(1);
  auto putter = spawn_after(0.01, [&] { q.put(7); });
  CHECK(q.get(1.0) == 7);
  putter.wait();
  q.put(8);
  auto getter = spawn_after(0.01, [&] { return q.get(); });
  q.put(9, 1.0);
  CHECK(getter.wait() == 8);
  CHECK(q.get(0.0) == 9);
}

TEST_CASE_FIXTURE(hub_test, "queue: a getter handed an item just as its time runs out keeps it") {
  light_queue<int> q;
  // The item comes after the getter's time ran out but before the hub's pass that fires its
  // timeout: the getter must still return the item it was handed.
  auto getter = spawn([&] { return q.get(0.001); });
  eventlet::sleep(0);
  CHECK(q.getting() == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the timeout is due
  q.put(5);
  CHECK(getter.wait() == 5);
  CHECK(q.empty());
}

TEST_CASE_FIXTURE(hub_test, "queue: NaN and negative timeouts are refused") {
  queue<int> q;
  CHECK_THROWS_AS(q.get(std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(q.get(-1), std::invalid_argument);
  CHECK_THROWS_AS(q.put(1, std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(q.put(1, -0.5), std::invalid_argument);
  CHECK_THROWS_AS(q.join(std::nan("")), std::invalid_argument);
  CHECK(q.empty());
}

TEST_CASE_FIXTURE(
    hub_test, "queue: resize lets blocked putters in when it grows, keeps items when it shrinks") {
  light_queue<int> q(1);
  q.put(0);
  auto p1 = spawn([&] { q.put(1); });
  auto p2 = spawn([&] { q.put(2); });
  eventlet::sleep(0);
  CHECK(q.putting() == 2);
  q.resize(2);
  CHECK(q.maxsize() == 2u);
  CHECK(q.putting() == 1);
  CHECK(q.qsize() == 2);
  q.resize(std::nullopt);
  CHECK(q.putting() == 0);
  CHECK(q.qsize() == 3);
  CHECK_FALSE(q.full());
  p1.wait();
  p2.wait();
  q.resize(1);
  CHECK(q.qsize() == 3);
  CHECK(q.full());
  CHECK_THROWS_AS(q.put_nowait(4), queue_full);
  CHECK(q.get_nowait() == 0);
  CHECK(q.get_nowait() == 1);
  CHECK(q.get_nowait() == 2);
}

TEST_CASE_FIXTURE(hub_test, "queue: getting() and putting() count the blocked greenthreads") {
  light_queue<int> q(0);
  std::vector<greenthread<int>> getters;
  for (int i = 0; i < 3; ++i) getters.push_back(spawn([&] { return q.get(); }));
  eventlet::sleep(0);
  CHECK(q.getting() == 3);
  CHECK(q.putting() == 0);
  q.put(1);
  CHECK(q.getting() == 2);
  getters[2].kill();
  CHECK(q.getting() == 1);
  q.put(2);
  CHECK(q.getting() == 0);
  std::vector<greenthread<void>> putters;
  for (int i = 0; i < 2; ++i) putters.push_back(spawn([&] { q.put(3); }));
  eventlet::sleep(0);
  CHECK(q.putting() == 2);
  CHECK(q.getting() == 0);
  CHECK(q.get() == 3);
  CHECK(q.putting() == 1);
  CHECK(q.get() == 3);
  CHECK(q.putting() == 0);
  CHECK(getters[0].wait() == 1);
  CHECK(getters[1].wait() == 2);
  CHECK_THROWS_AS(getters[2].wait(), greenlet_exit);
  for (auto& p : putters) p.wait();
}

TEST_CASE_FIXTURE(hub_test, "queue: join blocks until every item put is task_done") {
  queue<int> q;
  CHECK(q.try_join(0.0));
  q.join();  // nothing put: returns at once
  for (int i = 0; i < 3; ++i) q.put(i);
  std::vector<int> done;
  auto worker = spawn([&] {
    for (int i = 0; i < 3; ++i) {
      const int item = q.get();
      eventlet::sleep(0.001);
      done.push_back(item);
      q.task_done();
    }
  });
  q.join();
  CHECK(done == std::vector<int>{0, 1, 2});
  worker.wait();
}

TEST_CASE_FIXTURE(hub_test, "queue: join(timeout) returns false while tasks are pending") {
  queue<int> q;
  q.put(1);
  const double start = hubs::hub::clock();
  CHECK_FALSE(q.try_join(0.02));
  CHECK_THROWS_AS(q.join(0.01), timeout_error);
  CHECK(hubs::hub::clock() - start >= 0.02);
  CHECK(q.get() == 1);
  CHECK_FALSE(q.try_join(0.0));
  q.task_done();
  CHECK(q.try_join(0.0));
}

TEST_CASE_FIXTURE(hub_test, "queue: task_done called more times than items were put is an error") {
  queue<int> q;
  CHECK_THROWS_AS(q.task_done(), std::logic_error);
  q.put(1);
  q.get();
  q.task_done();
  CHECK_THROWS_AS(q.task_done(), std::logic_error);
}

TEST_CASE_FIXTURE(hub_test,
                  "queue: items handed straight to getters or taken from putters count as tasks") {
  queue<int> q(0);
  auto getter = spawn([&] { return q.get(); });
  eventlet::sleep(0);
  q.put(1);  // handed to the waiting getter
  auto putter = spawn([&] { q.put(2); });
  eventlet::sleep(0);
  CHECK(q.get() == 2);  // taken from the waiting putter
  CHECK(getter.wait() == 1);
  putter.wait();
  CHECK_FALSE(q.try_join(0.0));
  q.task_done();
  q.task_done();
  CHECK(q.try_join(0.0));
  CHECK_THROWS_AS(q.task_done(), std::logic_error);
}

TEST_CASE_FIXTURE(hub_test, "priority_queue: the smallest item comes out first") {
  priority_queue<int> q;
  for (int i : {5, 1, 4, 2, 3}) q.put(i);
  std::vector<int> got;
  while (!q.empty()) got.push_back(q.get());
  CHECK(got == std::vector<int>{1, 2, 3, 4, 5});

  priority_queue<std::pair<int, std::string>> jobs;
  jobs.put({2, "later"});
  jobs.put({1, "first"});
  CHECK(jobs.get().second == "first");
}

TEST_CASE_FIXTURE(hub_test, "priority_queue: a comparator changes the order") {
  priority_queue<int, std::greater<int>> q;
  for (int i : {5, 1, 4, 2, 3}) q.put(i);
  std::vector<int> got;
  while (!q.empty()) got.push_back(q.get());
  CHECK(got == std::vector<int>{5, 4, 3, 2, 1});
}

TEST_CASE_FIXTURE(hub_test, "lifo_queue: the last item put comes out first") {
  lifo_queue<int> q;
  for (int i = 1; i <= 3; ++i) q.put(i);
  std::vector<int> got;
  while (!q.empty()) got.push_back(q.get());
  CHECK(got == std::vector<int>{3, 2, 1});
}

TEST_CASE_FIXTURE(hub_test, "queue: move-only items pass through buffers and hand-overs") {
  light_queue<std::unique_ptr<int>> q(0);
  auto getter = spawn([&] { return *q.get(); });
  eventlet::sleep(0);
  q.put(std::make_unique<int>(1));
  CHECK(getter.wait() == 1);
  auto putter = spawn([&] { q.put(std::make_unique<int>(2)); });
  eventlet::sleep(0);
  CHECK(*q.get() == 2);
  putter.wait();
}

TEST_CASE_FIXTURE(
    hub_test, "queue: a getter killed after it was handed an item passes it to the next getter") {
  light_queue<int> q;
  auto a = spawn([&] { return q.get(); });
  auto b = spawn([&] { return q.get(); });
  eventlet::sleep(0);
  q.put(1);  // handed to a, which has not run yet
  CHECK(q.getting() == 1);
  a.kill();
  CHECK_THROWS_AS(a.wait(), greenlet_exit);
  CHECK(b.wait() == 1);
  CHECK(q.empty());
}

TEST_CASE_FIXTURE(hub_test,
                  "queue: a getter killed after it was handed an item puts it back in front") {
  light_queue<int> q(1);
  auto a = spawn([&] { return q.get(); });
  eventlet::sleep(0);
  q.put(1);  // handed to a
  q.put(2);  // buffered: the queue is full
  a.kill();
  CHECK_THROWS_AS(a.wait(), greenlet_exit);
  CHECK(q.qsize() == 2);  // past maxsize until taken: nothing is dropped
  CHECK(q.get_nowait() == 1);
  CHECK(q.get_nowait() == 2);
}

TEST_CASE_FIXTURE(hub_test,
                  "queue: a killed putter's item goes in once if it was taken, never if not") {
  queue<int> q(1);
  q.put(0);
  auto taken = spawn([&] { q.put(1); });
  auto never = spawn([&] { q.put(2); });
  eventlet::sleep(0);
  CHECK(q.putting() == 2);
  never.kill();  // still blocked: its item never goes in
  CHECK(q.putting() == 1);
  CHECK(q.get_nowait() == 0);  // moves 1 in and wakes its putter
  taken.kill();                // killed after its item went in: the item stays, once
  CHECK_THROWS_AS(taken.wait(), greenlet_exit);
  CHECK_THROWS_AS(never.wait(), greenlet_exit);
  CHECK(q.get_nowait() == 1);
  CHECK_THROWS_AS(q.get_nowait(), queue_empty);
  q.task_done();
  CHECK_FALSE(q.try_join(0.0));
  q.task_done();
  CHECK(q.try_join(0.0));  // two items went in: 0 and 1
}

TEST_CASE_FIXTURE(hub_test,
                  "queue: non-blocking calls work in a hub callback; blocking ones are refused") {
  light_queue<int> q(1);
  std::string refused_get, refused_put;
  bool empty_thrown = false;
  hubs::timer t = hub.schedule_call_global(0, [&] {
    try {
      q.get();  // main is blocked in get(): nothing to take
    } catch (const hubs::hub_error& e) {
      refused_get = e.what();
    }
    try {
      q.get_nowait();
    } catch (const queue_empty&) {
      empty_thrown = true;
    }
    q.put_nowait(1);  // handed to main
    q.put_nowait(2);  // buffered: now full
    try {
      q.put(3);
    } catch (const hubs::hub_error& e) {
      refused_put = e.what();
    }
  });
  CHECK(q.get() == 1);
  CHECK(refused_get.find("hub") != std::string::npos);
  CHECK(refused_put.find("hub") != std::string::npos);
  CHECK(empty_thrown);
  CHECK(q.qsize() == 1);
  CHECK(q.getting() == 0);
  CHECK(q.putting() == 0);
  CHECK(q.get_nowait() == 2);
}

TEST_CASE_FIXTURE(hub_test, "queue: use from another thread is refused") {
  queue<int> q;
  q.put(1);
  const std::vector<std::function<void()>> calls = {
      [&] { q.put_nowait(2); }, [&] { q.get_nowait(); }, [&] { q.qsize(); },
      [&] { q.resize(3); },     [&] { q.task_done(); },  [&] { q.getting(); },
  };
  int refused = 0;
  std::thread([&] {
    for (const auto& call : calls) {
      try {
        call();
      } catch (const hubs::hub_error& e) {
        if (std::string(e.what()).find("another thread") != std::string::npos) ++refused;
      }
    }
  }).join();
  CHECK(refused == static_cast<int>(calls.size()));
  CHECK(q.qsize() == 1);
  CHECK(q.maxsize() == std::nullopt);
}

TEST_CASE_FIXTURE(hub_test, "a get made while another exception unwinds keeps its item once") {
  light_queue<int> q;
  int got = -1;
  auto g = spawn([&] {
    struct drain {
      light_queue<int>& q;
      int& got;
      ~drain() { got = q.get(); }  // waits during the unwinding of "x"
    };
    try {
      drain d{q, got};
      throw std::runtime_error("x");
    } catch (const std::runtime_error&) {
    }
  });
  eventlet::sleep(0);
  q.put(7);
  g.wait();
  CHECK(got == 7);
  CHECK(q.qsize() == 0);  // not also given back
}
