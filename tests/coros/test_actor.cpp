// actor<Msg>: messages received in order one at a time, the concurrency limit, cast without
// blocking, waitall, exceptions reported, destruction (also from received()), the hub greenlet
// and thread rules, bad arguments.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/actor.hpp"
#include "coros/event.hpp"

using namespace eventlet;
using hub_tests::collected_reports;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "actor: messages are received one at a time, in the order cast") {
  std::vector<int> got;
  int inside = 0, most = 0;
  actor<int> a([&](int m) {
    most = std::max(most, ++inside);
    eventlet::sleep(0);
    got.push_back(m);
    --inside;
  });
  for (int i = 0; i < 5; ++i) a.cast(i);  // returns at once
  CHECK(got.empty());
  a.waitall();
  CHECK(got == std::vector<int>{0, 1, 2, 3, 4});
  CHECK(most == 1);
  a.waitall();  // idle: returns at once
}

TEST_CASE_FIXTURE(hub_test,
                  "actor: with a concurrency of n, at most n messages are received at once") {
  std::vector<int> got;
  int inside = 0, most = 0;
  actor<int> a(
      [&](int m) {
        most = std::max(most, ++inside);
        eventlet::sleep(0.001 * (m % 4));
        got.push_back(m);
        --inside;
      },
      3);
  for (int i = 0; i < 12; ++i) a.cast(i);
  a.waitall();
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  CHECK(most == 3);
}

TEST_CASE_FIXTURE(hub_test, "actor: waitall also waits for messages cast while it waits") {
  std::vector<int> got;
  std::unique_ptr<actor<int>> a;
  a = std::make_unique<actor<int>>([&](int m) {
    eventlet::sleep(0.001);
    got.push_back(m);
    if (m > 0) a->cast(m - 1);
  });
  a->cast(3);
  a->waitall();
  CHECK(got == std::vector<int>{3, 2, 1, 0});
}

TEST_CASE_FIXTURE(hub_test, "actor: what received throws is reported, and the actor goes on") {
  collected_reports reports(hub);
  std::vector<std::string> got;
  actor<std::string> a([&](std::string m) {
    if (m.starts_with("bad")) throw std::runtime_error("cannot take " + m);
    got.push_back(m);
  });
  a.cast("one");
  a.cast("bad");
  a.cast("two");
  a.waitall();
  CHECK(got == std::vector<std::string>{"one", "two"});
  CHECK(reports.lines == std::vector<std::string>{"an actor's received(): cannot take bad"});
}

TEST_CASE_FIXTURE(hub_test, "actor: waitall from its own received() is refused") {
  collected_reports reports(hub);
  std::unique_ptr<actor<int>> a;
  a = std::make_unique<actor<int>>([&](int) { a->waitall(); });
  a->cast(1);
  a->waitall();
  REQUIRE(reports.lines.size() == 1);
  CHECK(reports.lines[0].find("own greenthreads") != std::string::npos);
}

TEST_CASE_FIXTURE(hub_test, "actor: destroying it kills received() under way and drops the rest") {
  std::vector<std::string> log;
  event<> never;
  {
    actor<std::string> a([&](std::string m) {
      struct mark {
        std::vector<std::string>& log;
        std::string m;
        ~mark() { log.push_back(m + " unwound"); }
      } unwinds{log, m};
      log.push_back("got " + m);
      never.wait();
    });
    a.cast("first");
    a.cast("second");
    while (log.empty()) eventlet::sleep(0);
  }
  CHECK(log == std::vector<std::string>{"got first", "first unwound"});
}

TEST_CASE_FIXTURE(hub_test, "actor: received() may destroy its actor") {
  std::vector<int> got;
  std::unique_ptr<actor<int>> a;
  a = std::make_unique<actor<int>>(
      [&](int m) {
        got.push_back(m);
        if (m == 2) a.reset();
      },
      2);
  a->cast(1);
  a->cast(2);
  a->cast(3);
  while (a) eventlet::sleep(0);
  eventlet::sleep(0);
  CHECK(got == std::vector<int>{1, 2});
}

TEST_CASE_FIXTURE(hub_test,
                  "actor: cast works in a hub callback; a waitall that would block is refused") {
  std::vector<int> got;
  event<> go, done;
  actor<int> a([&](int m) {
    go.wait();
    got.push_back(m);
  });
  std::string refused;
  hubs::timer t = hub.schedule_call_global(0, [&] {
    a.cast(1);
    a.cast(2);
    try {
      a.waitall();
    } catch (const hubs::hub_error& e) {
      refused = e.what();
    }
    done.send();
  });
  done.wait();
  CHECK(refused.find("hub") != std::string::npos);
  go.send();
  a.waitall();
  CHECK(got == std::vector<int>{1, 2});
}

TEST_CASE_FIXTURE(hub_test, "actor: use from another thread is refused") {
  std::vector<int> got;
  actor<int> a([&](int m) { got.push_back(m); });
  int refused = 0;
  std::thread([&] {
    try {
      a.cast(1);
    } catch (const hubs::hub_error& e) {
      if (std::string(e.what()).find("another thread") != std::string::npos) ++refused;
    }
    try {
      a.waitall();
    } catch (const hubs::hub_error& e) {
      if (std::string(e.what()).find("another thread") != std::string::npos) ++refused;
    }
  }).join();
  CHECK(refused == 2);
  a.waitall();
  CHECK(got.empty());
}

TEST_CASE_FIXTURE(hub_test, "actor: an empty function and a concurrency of 0 are refused") {
  CHECK_THROWS_AS(actor<int>(std::function<void(int)>()), std::invalid_argument);
  CHECK_THROWS_AS(actor<int>([](int) {}, 0), std::invalid_argument);
}
