// green_pool: spawning and counting, a full pool blocking spawners first come first served,
// resize both ways, waitall, exceptions, reentrant spawns, killed and timed-out spawners,
// destruction, the hub greenlet and thread rules, bad sizes.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/event.hpp"
#include "coros/green_pool.hpp"

using namespace eventlet;
using hub_tests::collected_reports;
using hub_tests::hub_test;

namespace {
// Records that it was destroyed: shows that a killed greenthread's stack unwound.
struct unwind_mark {
  std::vector<std::string>& log;
  std::string name;
  ~unwind_mark() { log.push_back(name + " unwound"); }
};
}  // namespace

TEST_CASE_FIXTURE(hub_test, "green_pool: spawn runs functions in the pool; the counts follow") {
  green_pool pool(3);
  CHECK(pool.size() == 3);
  CHECK(pool.free() == 3);
  CHECK(pool.running() == 0);
  CHECK(pool.waiting() == 0);
  event<> go;
  auto a = pool.spawn([&] {
    go.wait();
    return 1;
  });
  auto b = pool.spawn(
      [&](int x) {
        go.wait();
        return x;
      },
      2);
  CHECK(pool.running() == 2);  // started or not
  CHECK(pool.free() == 1);
  eventlet::sleep(0);
  CHECK(pool.running() == 2);
  go.send();
  CHECK(a.wait() == 1);
  CHECK(b.wait() == 2);
  CHECK(pool.running() == 0);
  CHECK(pool.free() == 3);
  CHECK(green_pool().size() == 1000);
}

TEST_CASE_FIXTURE(hub_test,
                  "green_pool: spawn on a full pool blocks; spawners go first come first served") {
  green_pool pool(1);
  event<> release;
  std::vector<int> ran;
  std::vector<bool> returned(3, false);
  pool.spawn_n([&] { release.wait(); });
  std::vector<greenthread<void>> spawners;
  for (int i = 0; i < 3; ++i)
    spawners.push_back(spawn([&, i] {
      pool.spawn_n([&, i] { ran.push_back(i); });
      returned[i] = true;
    }));
  eventlet::sleep(0);
  CHECK(pool.waiting() == 3);
  CHECK(pool.free() == 0);
  CHECK(returned == std::vector<bool>(3, false));
  release.send();
  pool.waitall();  // also waits for what the blocked spawners start
  CHECK(ran == std::vector<int>{0, 1, 2});
  for (auto& s : spawners) s.wait();
  CHECK(returned == std::vector<bool>(3, true));
  CHECK(pool.free() == 1);
}

TEST_CASE_FIXTURE(hub_test,
                  "green_pool: a newcomer does not take a slot handed to a waiting spawner") {
  green_pool pool(1);
  event<> release;
  auto holder = pool.spawn([&] { release.wait(); });
  bool spawned = false;
  auto waiter = spawn([&] {
    pool.spawn_n([] {});
    spawned = true;
  });
  eventlet::sleep(0);
  // The pool's link gives the holder's slot to the waiter; this later link looks at the pool
  // right then, before the waiter has run.
  std::vector<std::size_t> seen;
  holder.link([&](greenthread<void>&) {
    seen = {pool.waiting(), pool.free(), static_cast<std::size_t>(spawned)};
  });
  holder.kill();
  CHECK(seen == std::vector<std::size_t>{0, 0, 0});
  waiter.wait();
  CHECK(spawned);
  pool.waitall();
  CHECK(pool.free() == 1);
}

TEST_CASE_FIXTURE(
    hub_test,
    "green_pool: resize up starts blocked spawners; resize down lets the running finish") {
  green_pool pool(1);
  event<> go;
  int running = 0, most = 0;
  auto task = [&] {
    most = std::max(most, ++running);
    go.wait();
    --running;
  };
  pool.spawn_n(task);
  std::vector<greenthread<void>> spawners;
  for (int i = 0; i < 3; ++i) spawners.push_back(spawn([&] { pool.spawn_n(task); }));
  eventlet::sleep(0);
  CHECK(pool.waiting() == 3);
  pool.resize(3);  // two waiters get slots at once
  CHECK(pool.size() == 3);
  CHECK(pool.waiting() == 1);
  CHECK(pool.free() == 0);
  for (int i = 0; i < 3; ++i) eventlet::sleep(0);
  CHECK(running == 3);

  pool.resize(1);  // the three running carry on
  CHECK(pool.running() == 3);
  CHECK(pool.free() == 0);
  go.send();
  int later = 0, most_later = 0;
  for (int i = 0; i < 3; ++i)
    pool.spawn_n([&] {  // each waits until fewer than the new size run
      most_later = std::max(most_later, ++later);
      eventlet::sleep(0);
      --later;
    });
  pool.waitall();
  for (auto& s : spawners) s.wait();
  CHECK(most == 3);
  CHECK(most_later == 1);
  CHECK(pool.free() == 1);
}

TEST_CASE_FIXTURE(
    hub_test, "green_pool: after shrinking, a spawner waits until fewer than the new size run") {
  green_pool pool(2);
  event<> go1, go2;
  pool.spawn_n([&] { go1.wait(); });
  pool.spawn_n([&] { go2.wait(); });
  pool.resize(1);
  bool spawned = false;
  auto spawner = spawn([&] {
    pool.spawn_n([] {});
    spawned = true;
  });
  eventlet::sleep(0);
  CHECK(pool.waiting() == 1);
  go1.send();
  while (pool.running() > 1) eventlet::sleep(0);
  CHECK(pool.waiting() == 1);  // one still runs: the pool is full at size 1
  CHECK_FALSE(spawned);
  go2.send();
  spawner.wait();
  CHECK(spawned);
  pool.waitall();
  CHECK(pool.free() == 1);
}

TEST_CASE_FIXTURE(
    hub_test,
    "green_pool: waitall waits for greenthreads spawned meanwhile; an idle pool returns at once") {
  green_pool pool(4);
  pool.waitall();
  std::vector<std::string> done;
  pool.spawn_n([&] {
    eventlet::sleep(0.001);
    pool.spawn_n([&] {
      eventlet::sleep(0.001);
      done.push_back("second");
    });
    done.push_back("first");
  });
  pool.waitall();
  CHECK(done == std::vector<std::string>{"first", "second"});
  CHECK(pool.running() == 0);
}

TEST_CASE_FIXTURE(hub_test, "green_pool: waitall from one of the pool's greenthreads is refused") {
  green_pool pool(2);
  auto gt = pool.spawn([&] { pool.waitall(); });
  CHECK_THROWS_AS(gt.wait(), std::logic_error);
  CHECK_THROWS_WITH(gt.wait(), doctest::Contains("own greenthreads"));
  pool.waitall();
}

TEST_CASE_FIXTURE(hub_test,
                  "green_pool: spawn keeps exceptions in the handle; spawn_n reports them") {
  collected_reports reports(hub);
  green_pool pool(2);
  auto gt = pool.spawn([]() -> int { throw std::runtime_error("from spawn"); });
  pool.spawn_n([] { throw std::runtime_error("from spawn_n"); });
  pool.spawn_n([] { throw greenlet_exit{}; });  // a kill is not an error
  pool.waitall();
  CHECK_THROWS_WITH(gt.wait(), "from spawn");
  eventlet::sleep(0);  // the report comes as the greenthread is freed, on the pass after it ends
  REQUIRE(reports.lines.size() == 1);
  CHECK(reports.lines[0].starts_with("an unnamed greenthread at "));
  CHECK(reports.lines[0].ends_with(" (nobody waited for it): from spawn_n"));
  CHECK(pool.free() == 2);
}

TEST_CASE_FIXTURE(
    hub_test, "green_pool: a full pool's own greenthread spawning calls the function right there") {
  green_pool pool(1);
  std::vector<std::string> order;
  auto outer = pool.spawn([&] {
    order.push_back("outer");
    auto inner = pool.spawn(
        [&](int x) {
          order.push_back("inner");
          return x;
        },
        7);
    order.push_back("after");
    pool.spawn_n([&] { order.push_back("inner_n"); });
    try {
      pool.spawn([]() -> int { throw std::runtime_error("inline"); });
    } catch (const std::runtime_error& e) {
      order.push_back(e.what());
    }
    return inner.wait();
  });
  CHECK(outer.wait() == 7);
  CHECK(order == std::vector<std::string>{"outer", "inner", "after", "inner_n", "inline"});
  pool.waitall();
  CHECK(pool.free() == 1);
}

TEST_CASE_FIXTURE(
    hub_test,
    "green_pool: a spawner killed while it waits, or after it was handed a slot, loses no slot") {
  green_pool pool(1);
  event<> release;
  pool.spawn_n([&] { release.wait(); });
  std::vector<std::string> ran;
  auto a = spawn([&] { pool.spawn_n([&] { ran.push_back("a"); }); });
  auto b = spawn([&] { pool.spawn_n([&] { ran.push_back("b"); }); });
  auto c = spawn([&] { pool.spawn_n([&] { ran.push_back("c"); }); });
  eventlet::sleep(0);
  CHECK(pool.waiting() == 3);
  c.kill();  // still waiting: it just leaves
  CHECK(pool.waiting() == 2);
  pool.resize(2);  // hands a slot to a, which has not run yet
  CHECK(pool.waiting() == 1);
  a.kill();  // a's slot goes on to b
  CHECK(pool.waiting() == 0);
  CHECK(pool.free() == 0);
  b.wait();
  CHECK_THROWS_AS(a.wait(), greenlet_exit);
  CHECK_THROWS_AS(c.wait(), greenlet_exit);
  release.send();
  pool.waitall();
  CHECK(ran == std::vector<std::string>{"b"});
  CHECK(pool.free() == 2);

  // Killed after being handed a slot, with nobody behind it: the slot is free again.
  event<> hold;
  pool.spawn_n([&] { hold.wait(); });
  pool.spawn_n([&] { hold.wait(); });
  auto d = spawn([&] { pool.spawn_n([] {}); });
  eventlet::sleep(0);
  pool.resize(3);
  d.kill();
  CHECK(pool.free() == 1);
  hold.send();
  pool.waitall();
  CHECK(pool.free() == 3);
}

TEST_CASE_FIXTURE(hub_test, "green_pool: a timeout on a blocked spawn loses no slot") {
  green_pool pool(1);
  event<> release;
  pool.spawn_n([&] { release.wait(); });
  bool timed_out = false, ran = false;
  auto waiter = spawn([&] {
    try {
      timeout t(0.01);
      pool.spawn_n([&] { ran = true; });
    } catch (const timeout_error&) {
      timed_out = true;
    }
  });
  waiter.wait();
  CHECK(timed_out);
  CHECK(pool.waiting() == 0);
  CHECK(pool.free() == 0);
  release.send();
  pool.waitall();
  CHECK_FALSE(ran);
  CHECK(pool.free() == 1);
}

TEST_CASE_FIXTURE(hub_test, "green_pool: a timeout on waitall leaves the pool as it was") {
  green_pool pool(2);
  event<> release;
  pool.spawn_n([&] { release.wait(); });
  bool timed_out = false;
  try {
    timeout t(0.01);
    pool.waitall();
  } catch (const timeout_error&) {
    timed_out = true;
  }
  CHECK(timed_out);
  CHECK(pool.running() == 1);
  release.send();
  pool.waitall();
  CHECK(pool.free() == 2);
}

TEST_CASE_FIXTURE(hub_test,
                  "green_pool: a greenthread killed before it starts gives back its slot") {
  green_pool pool(1);
  bool ran = false;
  auto gt = pool.spawn([&] { ran = true; });
  CHECK(pool.free() == 0);
  gt.kill();
  CHECK(pool.free() == 1);
  CHECK(pool.running() == 0);
  CHECK_THROWS_AS(gt.wait(), greenlet_exit);
  pool.waitall();
  CHECK_FALSE(ran);
}

TEST_CASE_FIXTURE(hub_test, "green_pool: destroying it kills what runs; handles stay valid") {
  std::vector<std::string> log;
  event<> never;
  std::optional<greenthread<int>> started, unstarted;
  {
    green_pool pool(4);
    started = pool.spawn([&] {
      unwind_mark m{log, "started"};
      never.wait();
      return 1;
    });
    pool.spawn_n([&] {
      unwind_mark m{log, "started_n"};
      never.wait();
    });
    eventlet::sleep(0);
    unstarted = pool.spawn([&] {
      log.push_back("unstarted ran");
      return 2;
    });
    pool.spawn_n([&] { log.push_back("unstarted_n ran"); });
  }
  std::sort(log.begin(), log.end());
  CHECK(log == std::vector<std::string>{"started unwound", "started_n unwound"});
  CHECK(started->dead());
  CHECK(unstarted->dead());
  CHECK_THROWS_AS(started->wait(), greenlet_exit);
  CHECK_THROWS_AS(unstarted->wait(), greenlet_exit);
}

TEST_CASE_FIXTURE(hub_test, "green_pool: a greenthread of the pool may destroy it, and runs on") {
  event<> never;
  auto pool = std::make_unique<green_pool>(2);
  auto other = pool->spawn([&] { never.wait(); });
  auto self = pool->spawn([&] {
    eventlet::sleep(0);
    pool.reset();
    eventlet::sleep(0);  // still running, outside any pool
    return 5;
  });
  CHECK(self.wait() == 5);
  CHECK_FALSE(pool);
  CHECK_THROWS_AS(other.wait(), greenlet_exit);
}

TEST_CASE_FIXTURE(
    hub_test, "green_pool: destroying it from a hub callback kills what runs; waitall returns") {
  event<> never, done;
  auto pool = std::make_unique<green_pool>(2);
  auto gt = pool->spawn([&] { never.wait(); });
  auto waiter = spawn([&] {
    pool->waitall();
    return true;
  });
  eventlet::sleep(0);
  hubs::timer t = hub.schedule_call_global(0, [&] {
    pool.reset();
    done.send();
  });
  done.wait();
  CHECK_THROWS_AS(gt.wait(), greenlet_exit);
  CHECK(waiter.wait());
}

TEST_CASE_FIXTURE(
    hub_test, "green_pool: non-blocking calls work in a hub callback; blocking ones are refused") {
  green_pool pool(1);
  event<> done;
  std::string refused_spawn, refused_waitall;
  std::size_t free_then = 99;
  bool ran = false;
  hubs::timer t = hub.schedule_call_global(0, [&] {
    pool.waitall();  // idle: returns at once
    pool.spawn_n([&] { ran = true; });
    free_then = pool.free();
    try {
      pool.spawn_n([] {});
    } catch (const hubs::hub_error& e) {
      refused_spawn = e.what();
    }
    try {
      pool.waitall();
    } catch (const hubs::hub_error& e) {
      refused_waitall = e.what();
    }
    done.send();
  });
  done.wait();
  pool.waitall();
  CHECK(ran);
  CHECK(free_then == 0);
  CHECK(refused_spawn.find("hub") != std::string::npos);
  CHECK(refused_waitall.find("hub") != std::string::npos);
  CHECK(pool.waiting() == 0);
  CHECK(pool.free() == 1);
}

TEST_CASE_FIXTURE(hub_test, "green_pool: use from another thread is refused") {
  green_pool pool(2);
  int refused = 0;
  std::thread([&] {
    for (auto call : {+[](green_pool& p) { p.spawn_n([] {}); }, +[](green_pool& p) { p.waitall(); },
                      +[](green_pool& p) { p.resize(3); }, +[](green_pool& p) { p.free(); }}) {
      try {
        call(pool);
      } catch (const hubs::hub_error& e) {
        if (std::string(e.what()).find("another thread") != std::string::npos) ++refused;
      }
    }
  }).join();
  CHECK(refused == 4);
  CHECK(pool.size() == 2);
  CHECK(pool.running() == 0);
}

TEST_CASE_FIXTURE(hub_test, "green_pool: a size of 0 is refused") {
  CHECK_THROWS_AS(green_pool(0), std::invalid_argument);
  CHECK_THROWS_WITH(green_pool(0), doctest::Contains("at least 1"));
  green_pool pool(2);
  CHECK_THROWS_AS(pool.resize(0), std::invalid_argument);
  CHECK(pool.size() == 2);
}
