// The hub inside the application's loop: greenthreads, timers, fd waits, the calls refused in
// loop callbacks, no spinning, leaving.
#include <doctest/doctest.h>
#include <ev.h>
#include <event2/event.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "coros/event.hpp"
#include "coros/greenthread.hpp"
#include "coros/queue.hpp"
#include "coros/timeout.hpp"
#include "embed/join.hpp"
#include "hubs/hub.hpp"
#include "hubs/trampoline.hpp"
#include "way.hpp"

using embed_tests::way;
namespace hubs = eventlet::hubs;

using embed_tests::cpu_seconds;

TEST_CASE("greenthreads spawned on the thread sleep concurrently inside the loop") {
  way w;
  w.run([] {
    std::vector<eventlet::greenthread<int>> all;
    const double start = hubs::hub::clock();
    for (int i = 0; i < 10; ++i)
      all.push_back(eventlet::spawn([i] {
        eventlet::sleep(0.1);
        return i;
      }));
    int sum = 0;
    for (auto& g : all) sum += g.wait();
    CHECK(sum == 45);
    CHECK(hubs::hub::clock() - start < 0.5);  // ten sleeps of 0.1 s at once
  });
}

TEST_CASE("timeouts fire inside the loop") {
  way w;
  w.run([] {
    CHECK_THROWS_AS(
        {
          eventlet::timeout t(0.05);
          eventlet::sleep(5);
        },
        eventlet::timeout_error);
  });
}

TEST_CASE("a greenthread waits on an fd that a loop callback writes to") {
  way w;
  int fds[2];
  REQUIRE(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  w.run([&] {
    w.later(0.02, [&] { CHECK(write(fds[1], "x", 1) == 1); });
    hubs::trampoline(fds[0], hubs::io::read, 5.0);
    char c = 0;
    CHECK(read(fds[0], &c, 1) == 1);
    CHECK(c == 'x');
  });
  hubs::get_hub().notify_close(fds[0]);
  close(fds[0]);
  close(fds[1]);
}

TEST_CASE("in a loop callback the non-blocking calls work and a blocking one is refused") {
  way w;
  w.run([&] {
    eventlet::event<int> sent;
    eventlet::queue<int> items;
    std::string refused, refused_wait;
    bool spawned_ran = false;
    w.later(0.01, [&] {
      eventlet::spawn([&] { spawned_ran = true; });
      CHECK_FALSE(items.try_get(0).has_value());  // a zero timeout polls
      items.put_nowait(7);
      CHECK_FALSE(sent.ready());
      CHECK_FALSE(sent.try_wait(0).has_value());
      CHECK_THROWS_AS(sent.wait(0), eventlet::timeout_error);
      try {
        eventlet::sleep(0.01);
      } catch (const hubs::hub_error& e) {
        refused = e.what();
      }
      try {
        sent.wait(1.0);
      } catch (const hubs::hub_error& e) {
        refused_wait = e.what();
      }
      sent.send(42);
    });
    CHECK(sent.wait() == 42);
    CHECK(items.get() == 7);
    eventlet::sleep(0);
    CHECK(spawned_ran);
    CHECK(refused.find("sleep") != std::string::npos);
    CHECK(refused_wait.find("a wait on event") != std::string::npos);
    if (w.join) CHECK(refused.find("defer_to_green_thread") != std::string::npos);
  });
}

TEST_CASE("a joined loop with a greenthread asleep does not spin") {
  way w;
  const double before = cpu_seconds();
  w.run([] { eventlet::sleep(0.3); });
  const double used = cpu_seconds() - before;
  MESSAGE("CPU time for a 0.3 s sleep: " << used << " s");
  CHECK(used < 0.1);
}

TEST_CASE("leave() ends greenthreads still waiting, and the loop can be freed") {
  if (std::string(std::getenv("EMBED_WAY") ? std::getenv("EMBED_WAY") : "").starts_with("hub-"))
    return;  // the join's own case
  std::optional<eventlet::greenthread<void>> sleeper;
  {
    way w;
    sleeper = eventlet::spawn([] { eventlet::sleep(60); });
    w.run([] { eventlet::sleep(0.01); });
    CHECK(hubs::get_hub().greenthread_count() == 1);
    CHECK(eventlet::embed::joined());
  }  // leaves (reporting and killing the sleeper), then frees the loop
  CHECK_FALSE(eventlet::embed::joined());
  CHECK_NOTHROW(eventlet::embed::leave());
  CHECK(sleeper->dead());
  CHECK_THROWS_AS(sleeper->wait(), eventlet::greenlet_exit);
}

TEST_CASE("join refuses a second join and a null loop") {
  way w;
  if (!w.join) return;
  CHECK_THROWS_AS((void)eventlet::embed::join(static_cast<event_base*>(nullptr)),
                  std::invalid_argument);
  event_base* other = event_base_new();
  CHECK_THROWS_AS((void)eventlet::embed::join(other), hubs::hub_error);
  event_base_free(other);
}
