// eventlet::debug's listings and greenlet::backtrace(): what every greenthread waits on, where
// (a backtrace naming the function), and that a probed greenlet resumes unharmed.
#include <doctest/doctest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "../support/fixture.hpp"
#include "backdoor/debug.hpp"
#include "base/fd.hpp"
#include "coros/event.hpp"
#include "coros/green_pool.hpp"
#include "coros/queue.hpp"
#include "coros/semaphore.hpp"

using namespace eventlet;
using hub_tests::hub_test;

// Where the test's greenthreads wait: named, so that a backtrace can be checked for it.
[[gnu::noinline]] int backdoor_test_wait_on_event(event<int>& e) {
  const int v = e.wait();
  asm volatile("" ::: "memory");  // keeps the call from being a tail call
  return v;
}

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "debug: the listing tells what each of many greenthreads waits on") {
  event<int> e;
  queue<int> q;
  semaphore s(0);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::vector<greenthread<void>> all;
  for (int i = 0; i < 10; ++i) {
    all.push_back(spawn(spawn_options{.name = "ev" + std::to_string(i)}, [&] { e.wait(); }));
    all.push_back(spawn(spawn_options{.name = "q" + std::to_string(i)}, [&] { q.get(); }));
    all.push_back(spawn(spawn_options{.name = "sem" + std::to_string(i)}, [&] { s.acquire(); }));
    all.push_back(spawn(spawn_options{.name = "nap" + std::to_string(i)}, [] { sleep(100); }));
  }
  all.push_back(
      spawn(spawn_options{.name = "reader"}, [&] { hubs::trampoline(fds[0], hubs::io::read); }));
  all.push_back(spawn(spawn_options{.name = "later"}, [] {}));
  sleep(0.01);
  all.push_back(spawn(spawn_options{.name = "fresh"}, [] {}));

  const std::string list = debug::format_greenthreads(false);
  CHECK(has(list, "'ev3' waiting on event, age "));
  CHECK(has(list, "'q9' waiting on queue get"));
  CHECK(has(list, "'sem0' waiting on semaphore acquire"));
  CHECK(has(list, "'nap5' sleeping until "));
  CHECK(has(list, "'reader' waiting on fd " + std::to_string(fds[0]) + " read"));
  CHECK(has(list, "'fresh' runnable (not started)"));
  CHECK_FALSE(has(list, "'later'"));  // finished

  const std::string listeners = debug::format_hub_listeners();
  CHECK(has(listeners, "fd " + std::to_string(fds[0]) + " read\n"));
  const std::string timers = debug::format_hub_timers();
  CHECK(has(timers, ": resumes greenthread #"));
  CHECK(has(timers, "'nap0'"));
  const std::string hub_text = debug::format_hub();
  CHECK(has(hub_text, "backend: " + hub_tests::expected_hub() + "\n"));
  CHECK(has(hub_text, "greenthreads: 42\n"));
  CHECK(hub.listener_count() >= 1);
  CHECK(has(hub_text, "listeners: " + std::to_string(hub.listener_count()) + "\n"));
  CHECK(hub.timer_count() >= 10);  // the ten naps
  CHECK(has(hub_text, "timers: " + std::to_string(hub.timer_count()) + "\n"));
  CHECK(hub.run_queue_length() >= 1);  // 'fresh', not started
  CHECK(has(hub_text, "run queue: " + std::to_string(hub.run_queue_length()) + "\n"));
  CHECK(has(hub_text, "loop passes: " + std::to_string(hub.passes()) + "\n"));
  CHECK(has(hub_text, "slow callbacks (blocking detection): "));
  CHECK(has(hub_text, "-- listeners\n" + listeners + "-- timers\n"));

  for (auto& g : all) g.kill();
  ::close(fds[0]);
  ::close(fds[1]);
  CHECK(debug::format_greenthreads() == "no greenthreads\n");
}

TEST_CASE_FIXTURE(hub_test, "debug: a backtrace names the function where a greenthread waits") {
  event<int> e;
  auto waiter =
      spawn(spawn_options{.name = "waiter"}, [&] { return backdoor_test_wait_on_event(e) + 1; });
  sleep(0);
  const std::vector<std::string> frames = debug::backtrace(*waiter.greenlet());
  std::string joined;
  for (const std::string& f : frames) joined += f + "\n";
  INFO(joined);
  CHECK(has(joined, "backdoor_test_wait_on_event"));
  CHECK(has(debug::format_greenthreads(true), "backdoor_test_wait_on_event"));
  // Probed three times, it still resumes with what it is sent.
  for (int i = 0; i < 3; ++i) debug::backtrace(*waiter.greenlet());
  e.send(41);
  CHECK(waiter.wait() == 42);
}

TEST_CASE_FIXTURE(hub_test, "greenlet::backtrace refuses what is not suspended") {
  void* frames[8];
  CHECK_THROWS_AS(getcurrent()->backtrace(frames, 8), greenlet_error);
  auto g = spawn([] {});
  CHECK_THROWS_AS(g.greenlet()->backtrace(frames, 8), greenlet_error);  // not started
  g.wait();
  greenlet* main = getcurrent();
  greenlet deep([main](std::any) -> std::any {
    main->switch_to();
    return {};
  });
  deep.switch_to();  // suspended in its switch back to main
  CHECK_THROWS_AS(deep.backtrace(frames, -1), std::invalid_argument);
  CHECK(deep.backtrace(frames, 8) > 0);
  CHECK(deep.backtrace(frames, 0) == 0);
  deep.throw_in();
}

TEST_CASE_FIXTURE(hub_test, "debug: pools and the thread pool are listed") {
  green_pool pool(4);
  pool.listing().set_name("workers");
  event<void> go;
  pool.spawn([&] { go.wait(); });
  const std::string pools = debug::format_pools();
  CHECK(has(pools, "green_pool 'workers' size=4 running=1 free=3 waiting=0\n"));
  go.send();
  pool.waitall();
  CHECK(has(debug::format_tpool(), "max threads: "));
}
