// Every call that would wait, made in the hub greenlet (a timer or listener callback), throws
// one type, blocking_call_error, naming the call; the non-blocking calls work there.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/channel.hpp"
#include "coros/event.hpp"
#include "coros/queue.hpp"
#include "coros/semaphore.hpp"

using namespace eventlet;
using hub_tests::hub_test;
using hub_tests::pipe_pair;

TEST_CASE_FIXTURE(hub_test, "blocking calls from the hub greenlet throw blocking_call_error") {
  std::vector<std::string> outcomes;
  pipe_pair p;
  event<int> e;
  queue<int> q;
  semaphore s(0);
  channel<int> c;
  bool spawned_ran = false;
  auto try_it = [&](const char* call, auto&& f) {
    try {
      f();
      outcomes.push_back(std::string(call) + ": allowed");
    } catch (const hubs::blocking_call_error& x) {
      const std::string what = x.what();
      outcomes.push_back(std::string(call) + (what.find("hub greenlet") != std::string::npos
                                                  ? ": refused"
                                                  : ": unclear message: " + what));
    }
  };
  hubs::timer t = hub.schedule_call_global(0, [&] {
    try_it("sleep", [] { eventlet::sleep(0); });
    try_it("sleep(1)", [] { eventlet::sleep(1.0); });
    try_it("trampoline", [&] { hubs::trampoline(p.read_end, hubs::io::read); });
    try_it("hub::switch_to", [&] { hub.switch_to(); });
    try_it("event::wait", [&] { e.wait(); });
    try_it("queue::get", [&] { q.get(); });
    try_it("semaphore::acquire", [&] { s.acquire(); });
    try_it("channel::receive", [&] { c.receive(); });
    auto g = spawn([&] { spawned_ran = true; });
    try_it("greenthread::wait", [&] { g.wait(); });
    // What does not wait works: spawning, sending, putting without waiting.
    e.send(1);
    q.put_nowait(2);
    s.release();
  });
  eventlet::sleep(0.01);
  CHECK(outcomes ==
        std::vector<std::string>{"sleep: refused", "sleep(1): refused", "trampoline: refused",
                                 "hub::switch_to: refused", "event::wait: refused",
                                 "queue::get: refused", "semaphore::acquire: refused",
                                 "channel::receive: refused", "greenthread::wait: refused"});
  CHECK(spawned_ran);
  CHECK(e.wait() == 1);
  CHECK(q.get() == 2);
  CHECK(s.try_acquire());
}

TEST_CASE_FIXTURE(hub_test, "a timeout in the hub greenlet is a hub_error, not a blocking one") {
  bool refused = false, blocking = false;
  hubs::timer t = hub.schedule_call_global(0, [&] {
    try {
      timeout limit(1);
    } catch (const hubs::blocking_call_error&) {
      blocking = true;
    } catch (const hubs::hub_error&) {
      refused = true;
    }
  });
  eventlet::sleep(0.01);
  CHECK(refused);
  CHECK_FALSE(blocking);
}

TEST_CASE_FIXTURE(hub_test, "zero timeouts poll in the hub greenlet; a wait names its object") {
  event<int> e;
  queue<int> q;
  semaphore s(0);
  bool polled = false;
  std::string refusal;
  hubs::timer t = hub.schedule_call_global(0, [&] {
    CHECK_FALSE(e.try_wait(0).has_value());
    CHECK_THROWS_AS(e.wait(0), timeout_error);
    CHECK_FALSE(q.try_get(0).has_value());
    CHECK_THROWS_AS(q.get(0.0), queue_empty);
    CHECK_FALSE(s.try_acquire(0.0));
    CHECK_THROWS_AS(s.acquire(0.0), timeout_error);
    q.put_nowait(3);
    CHECK(q.try_get(0) == 3);
    polled = true;
    try {
      e.wait(0.5);
    } catch (const hubs::blocking_call_error& x) {
      refusal = x.what();
    }
  });
  eventlet::sleep(0.01);
  CHECK(polled);
  CHECK(refusal.find("a wait on event") != std::string::npos);
  CHECK(refusal.find("hub greenlet") != std::string::npos);
}
