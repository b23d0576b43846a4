// object_pool<T>: items made up front and on demand, reuse, get blocking at max_size and getters
// served first come first served, timeouts, failing factories, discarded items, killed getters,
// item_guard, misuse, the hub greenlet and thread rules, bad arguments.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/event.hpp"
#include "coros/object_pool.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test,
                  "object_pool: min_size items are made up front, more on demand up to max_size; "
                  "items are reused") {
  int made = 0;
  object_pool<int> p(2, 4, [&] { return ++made; });
  CHECK(made == 2);
  CHECK(p.free() == 4);
  const int a = p.get(), b = p.get();  // the two made up front
  CHECK(a == 1);
  CHECK(b == 2);
  CHECK(made == 2);
  const int c = p.get();
  CHECK(c == 3);
  CHECK(made == 3);
  CHECK(p.free() == 1);
  p.put(a);
  CHECK(p.get() == 1);  // reused
  CHECK(made == 3);
  p.put(1);
  p.put(c);
  p.put(b);
  CHECK(p.free() == 4);
  CHECK(p.get() == 1);  // first in, first out
  CHECK(p.get() == 3);
  CHECK(made == 3);
}

TEST_CASE_FIXTURE(
    hub_test,
    "object_pool: get blocks while max_size are out; put hands the item to the longest waiter") {
  object_pool<std::string> p(0, 1, [] { return std::string("conn"); });
  std::string held = p.get();
  std::vector<std::string> got;
  std::vector<greenthread<void>> getters;
  for (int i = 0; i < 3; ++i)
    getters.push_back(spawn([&, i] {
      std::string item = p.get();
      got.push_back(std::to_string(i) + ":" + item);
      p.put(item + "'");
    }));
  eventlet::sleep(0);
  CHECK(p.waiting() == 3);
  CHECK(p.free() == 0);
  p.put(held);  // handed to getter 0, which has not run yet
  CHECK(p.waiting() == 2);
  CHECK_THROWS_AS(p.get(0), timeout_error);  // a newcomer does not take it
  for (auto& g : getters) g.wait();
  CHECK(got == std::vector<std::string>{"0:conn", "1:conn'", "2:conn''"});
  CHECK(p.get() == "conn'''");
  p.put("conn");
  CHECK(p.free() == 1);
}

TEST_CASE_FIXTURE(
    hub_test, "object_pool: get(timeout) throws timeout_error when no item comes, losing nothing") {
  object_pool<int> p(1, 1, [] { return 7; });
  const int x = p.get();
  CHECK_THROWS_AS(p.get(0.01), timeout_error);
  CHECK_THROWS_WITH(p.get(0), doctest::Contains("pool::get"));
  CHECK(p.waiting() == 0);
  auto giver = spawn_after(0.01, [&] { p.put(x); });
  CHECK(p.get(1.0) == 7);
  giver.wait();
  CHECK_THROWS_AS(p.get(std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(p.get(-1), std::invalid_argument);
  p.put(7);
  CHECK(p.free() == 1);
}

TEST_CASE_FIXTURE(hub_test, "object_pool: a factory that throws frees its slot; get rethrows") {
  bool fail = true;
  int made = 0;
  object_pool<int> p(0, 1, [&] {
    if (fail) throw std::runtime_error("cannot connect");
    return ++made;
  });
  CHECK_THROWS_WITH(p.get(), "cannot connect");
  CHECK(p.free() == 1);
  fail = false;
  CHECK(p.get() == 1);
  CHECK(p.free() == 0);
}

TEST_CASE_FIXTURE(
    hub_test, "object_pool: the slot of a failed factory call goes to the next waiting getter") {
  int calls = 0;
  object_pool<int> p(0, 1, [&] {
    if (++calls == 1) {
      eventlet::sleep(0.001);  // the second getter comes meanwhile, and waits
      throw std::runtime_error("first fails");
    }
    return calls;
  });
  auto a = spawn([&] { return p.get(); });
  auto b = spawn([&] { return p.get(); });
  CHECK_THROWS_WITH(a.wait(), "first fails");
  CHECK(b.wait() == 2);
  p.put(2);
}

TEST_CASE_FIXTURE(
    hub_test, "object_pool: a discarded item frees its slot; a waiting getter makes a new one") {
  int made = 0;
  object_pool<int> p(0, 1, [&] { return ++made; });
  const int broken = p.get();
  auto getter = spawn([&] { return p.get(); });
  eventlet::sleep(0);
  CHECK(p.waiting() == 1);
  p.discard(broken);
  CHECK(getter.wait() == 2);
  CHECK(made == 2);
  p.discard(2);  // nobody waits: room for one more
  CHECK(p.free() == 1);
  CHECK(p.get() == 3);
  p.put(3);
}

TEST_CASE_FIXTURE(
    hub_test, "object_pool: a getter killed after it was handed an item or a slot gives it on") {
  int made = 0;
  object_pool<int> p(0, 1, [&] { return ++made; });
  const int x = p.get();
  auto a = spawn([&] { return p.get(); });
  auto b = spawn([&] { return p.get(); });
  eventlet::sleep(0);
  p.put(x);  // handed to a
  a.kill();  // a hands it on to b
  CHECK_THROWS_AS(a.wait(), greenlet_exit);
  CHECK(b.wait() == 1);

  auto c = spawn([&] { return p.get(); });
  eventlet::sleep(0);
  p.discard(1);  // c is handed the slot
  c.kill();      // nobody else waits: the slot is free again
  CHECK(p.free() == 1);
  CHECK(made == 1);

  const int y = p.get();
  auto d = spawn([&] { return p.get(); });
  eventlet::sleep(0);
  p.put(y);  // handed to d
  d.kill();  // back among the free items
  CHECK(p.free() == 1);
  CHECK(p.get() == y);
  p.put(y);

  const int z = p.get();
  auto e = spawn([&] { return p.get(); });
  eventlet::sleep(0);
  e.kill();  // killed while waiting: nothing changes
  CHECK(p.waiting() == 0);
  p.put(z);
  CHECK(p.free() == 1);
  CHECK(made == 2);
}

TEST_CASE_FIXTURE(
    hub_test, "object_pool: item() puts the item back when its guard goes; discard() drops it") {
  int made = 0;
  object_pool<std::string> p(1, 2, [&] { return "conn" + std::to_string(++made); });
  {
    auto c = p.item();
    CHECK(*c == "conn1");
    CHECK(c->size() == 5);
    CHECK(p.free() == 1);
  }
  CHECK(p.free() == 2);
  {
    auto c = p.item();
    auto moved = std::move(c);
    CHECK(*moved == "conn1");
    CHECK(p.free() == 1);
  }
  CHECK(p.free() == 2);
  {
    auto c = p.item();
    c.discard();
    CHECK(p.free() == 2);
    CHECK_THROWS_AS(c.discard(), std::logic_error);
  }
  CHECK(p.free() == 2);
  auto c = p.item(0.0);
  CHECK(*c == "conn2");  // conn1 was discarded
  auto d = p.item();
  CHECK_THROWS_AS(p.item(0.01), timeout_error);
}

TEST_CASE_FIXTURE(hub_test, "object_pool: putting back or discarding with no item out is refused") {
  object_pool<int> p(1, 2, [] { return 0; });
  CHECK_THROWS_AS(p.put(5), std::logic_error);
  CHECK_THROWS_WITH(p.discard(5), doctest::Contains("no item of this pool is out"));
  const int x = p.get();
  p.put(x);
  CHECK_THROWS_AS(p.put(x), std::logic_error);
  CHECK(p.free() == 2);
}

TEST_CASE_FIXTURE(
    hub_test,
    "object_pool: non-blocking calls work in a hub callback; a get that would block is refused") {
  object_pool<int> p(0, 1, [] { return 1; });
  event<> done;
  int got = 0;
  std::string refused;
  hubs::timer t = hub.schedule_call_global(0, [&] {
    got = p.get();  // made here
    try {
      p.get();
    } catch (const hubs::hub_error& e) {
      refused = e.what();
    }
    p.put(got);
    done.send();
  });
  done.wait();
  CHECK(got == 1);
  CHECK(refused.find("hub") != std::string::npos);
  CHECK(p.waiting() == 0);
  CHECK(p.free() == 1);
}

TEST_CASE_FIXTURE(hub_test, "object_pool: use from another thread is refused") {
  object_pool<int> p(1, 1, [] { return 1; });
  int refused = 0;
  std::thread([&] {
    for (auto call : {+[](object_pool<int>& x) { x.get(); }, +[](object_pool<int>& x) { x.put(1); },
                      +[](object_pool<int>& x) { x.free(); }}) {
      try {
        call(p);
      } catch (const hubs::hub_error& e) {
        if (std::string(e.what()).find("another thread") != std::string::npos) ++refused;
      }
    }
  }).join();
  CHECK(refused == 3);
  CHECK(p.free() == 1);
}

TEST_CASE_FIXTURE(
    hub_test, "object_pool: bad arguments are refused; a failing factory fails the construction") {
  auto make = [] { return 0; };
  CHECK_THROWS_AS(object_pool<int>(0, 1, nullptr), std::invalid_argument);
  CHECK_THROWS_AS(object_pool<int>(0, 0, make), std::invalid_argument);
  CHECK_THROWS_WITH(object_pool<int>(3, 2, make), doctest::Contains("min_size"));
  int made = 0;
  CHECK_THROWS_WITH(object_pool<int>(3, 3,
                                     [&]() -> int {
                                       if (++made == 2) throw std::runtime_error("down");
                                       return made;
                                     }),
                    "down");
}
