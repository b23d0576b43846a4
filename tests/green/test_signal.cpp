// green::wait_signal: a signal wakes the greenthreads waiting for it (and only them), timeouts,
// signals that come while nobody waits, bad input, and a waiter on another thread's hub.
#include <pthread.h>
#include <signal.h>

#include <stdexcept>
#include <thread>

#include "coros/event.hpp"
#include "green/signal.hpp"
#include "helpers.hpp"

using namespace eventlet;
using hub_tests::hub_test;

namespace {
// Blocks the signals the tests send before the first test sends one (threads started later
// inherit the mask), as a program does at the top of main().
const bool masked = [] {
  green::mask_signals({SIGUSR1, SIGUSR2});
  return true;
}();
}  // namespace

TEST_CASE_FIXTURE(hub_test, "wait_signal: returns the signal sent to the process meanwhile") {
  REQUIRE(masked);
  auto sender = spawn([] {
    eventlet::sleep(0.02);
    ::kill(getpid(), SIGUSR1);
  });
  CHECK(green::wait_signal({SIGUSR2, SIGUSR1}) == SIGUSR1);
  sender.wait();
}

TEST_CASE_FIXTURE(hub_test, "wait_signal: every waiter for a signal gets it, the others go on") {
  int got_a = 0, got_b = 0, got_c = 0;
  auto a = spawn([&] { got_a = green::wait_signal({SIGUSR1}); });
  auto b = spawn([&] { got_b = green::wait_signal({SIGUSR1, SIGUSR2}); });
  auto c = spawn([&] { got_c = green::wait_signal({SIGUSR2}, 5.0); });
  eventlet::sleep(0.02);
  ::raise(SIGUSR1);
  a.wait();
  b.wait();
  eventlet::sleep(0.02);
  CHECK(got_a == SIGUSR1);
  CHECK(got_b == SIGUSR1);
  CHECK(!c.dead());  // SIGUSR2 has not come
  ::raise(SIGUSR2);
  c.wait();
  CHECK(got_c == SIGUSR2);
}

TEST_CASE_FIXTURE(hub_test, "wait_signal: a timeout throws, try_wait_signal returns nothing") {
  CHECK_THROWS_AS(green::wait_signal({SIGUSR1}, 0.02), timeout_error);
  CHECK(!green::try_wait_signal({SIGUSR1}, 0.02));
  CHECK(!green::try_wait_signal({SIGUSR1}, 0));
}

TEST_CASE_FIXTURE(hub_test, "wait_signal: a signal that comes while nobody waits is kept") {
  ::raise(SIGUSR2);                                 // blocked: it stays pending
  CHECK(!green::try_wait_signal({SIGUSR1}, 0.01));  // not the one waited for: left pending
  CHECK(green::try_wait_signal({SIGUSR2}, 1.0) == SIGUSR2);
  CHECK(!green::try_wait_signal({SIGUSR2}, 0.01));  // taken once
}

TEST_CASE_FIXTURE(hub_test, "wait_signal: bad input is std::invalid_argument") {
  CHECK_THROWS_AS(green::wait_signal({}), std::invalid_argument);
  CHECK_THROWS_AS(green::wait_signal({0}), std::invalid_argument);
  CHECK_THROWS_AS(green::wait_signal({SIGKILL}), std::invalid_argument);
  CHECK_THROWS_AS(green::wait_signal({NSIG}), std::invalid_argument);
  CHECK_THROWS_AS(green::wait_signal({SIGUSR1}, -1.0), std::invalid_argument);
  CHECK_THROWS_AS(green::try_wait_signal({SIGUSR1}, std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(green::mask_signals({SIGSTOP}), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "wait_signal: refused in the hub greenlet") {
  bool refused = false;
  auto t = hub.schedule_call_global(0, [&] {
    try {
      green::wait_signal({SIGUSR1});
    } catch (const hubs::blocking_call_error&) {
      refused = true;
    }
  });
  eventlet::sleep(0.01);
  CHECK(refused);
}

TEST_CASE_FIXTURE(hub_test, "wait_signal: a signal sent to another thread wakes only its waiter") {
  event<void> waiting;
  int got = 0;
  pthread_t other{};
  std::thread t([&] {
    other = pthread_self();
    waiting.send_threadsafe();
    got = green::wait_signal({SIGUSR1}, 10.0);  // on this thread's own hub
    hubs::shutdown();
  });
  waiting.wait();
  auto mine = spawn([] { return green::try_wait_signal({SIGUSR1}, 0.2); });
  eventlet::sleep(0.05);  // the other thread is in wait_signal() by now, most likely; if not,
  pthread_kill(other, SIGUSR1);  // the signal waits for it, pending on that thread
  CHECK(!mine.wait());
  while (got == 0) eventlet::sleep(0.01);
  t.join();
  CHECK(got == SIGUSR1);
}
