// The loop: abort, fork, signals, cross-thread wake-ups, blocking detection, blocking calls
// from the hub, hub selection.
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "../support/fixture.hpp"

using namespace eventlet;
using hub_tests::hub_test;
using hub_tests::pipe_pair;

TEST_CASE_FIXTURE(hub_test, "abort ends run(); timers and waiters survive for the next run") {
  int fired = 0;
  auto later = spawn_after(0.02, [&] { ++fired; });
  hub.schedule_call_global(0.005, [&] { hub.abort(); });
  const double start = hubs::hub::clock();
  hub.run();  // returns at abort()
  CHECK(hubs::hub::clock() - start < 0.5);
  CHECK(fired == 0);
  later.wait();  // the loop runs again
  CHECK(fired == 1);
}

TEST_CASE_FIXTURE(hub_test, "abort from a greenthread returns to the main greenlet") {
  bool after = false;
  auto g = spawn([&] {
    hub.abort();
    eventlet::sleep(0);
    after = true;
  });
  hub.run();
  CHECK_FALSE(after);
  g.wait();
  CHECK(after);
}

TEST_CASE_FIXTURE(hub_test, "a forked child gets a working hub and the parent keeps its own") {
  pipe_pair to_parent, to_child;
  // The parent's hub watches an fd before the fork, so the backend has kernel state to share.
  auto parent_waiter = spawn([&] { hubs::trampoline(to_parent.read_end, hubs::io::read, 10); });
  eventlet::sleep(0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int status = 1;
    try {
      auto slept = spawn([] {
        eventlet::sleep(0.01);
        return 7;
      });
      auto reader = spawn([&] {
        hubs::trampoline(to_child.read_end, hubs::io::read, 5);
        char c;
        return read(to_child.read_end, &c, 1) == 1 && c == 'c';
      });
      std::atomic<bool> called{false};
      hubs::hub& h = hubs::get_hub();
      std::thread([&] { h.run_callback_threadsafe([&] { called = true; }); }).join();
      eventlet::sleep(0.01);
      if (write(to_child.write_end, "c", 1) == 1 && slept.wait() == 7 && reader.wait() && called &&
          write(to_parent.write_end, "p", 1) == 1)
        status = 0;
    } catch (...) {
    }
    _exit(status);
  }
  parent_waiter.wait();  // the child's byte, through the parent's pre-fork registration
  int status = -1;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  char c;
  CHECK(read(to_parent.read_end, &c, 1) == 1);
}

namespace {
std::atomic<int> signals_seen{0};
void count_signal(int) { ++signals_seen; }
}  // namespace

TEST_CASE_FIXTURE(hub_test, "a signal arriving during a wait does not break it (EINTR)") {
  struct sigaction sa {
  }, old;
  sa.sa_handler = &count_signal;  // no SA_RESTART: the wait really is interrupted
  sigemptyset(&sa.sa_mask);
  REQUIRE(sigaction(SIGUSR1, &sa, &old) == 0);
  signals_seen = 0;
  const pthread_t self = pthread_self();
  std::thread signaller([self] {
    for (int i = 0; i < 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      pthread_kill(self, SIGUSR1);
    }
  });
  const double start = hubs::hub::clock();
  CHECK_NOTHROW(eventlet::sleep(0.1));
  CHECK(hubs::hub::clock() - start >= 0.1);
  signaller.join();
  CHECK(signals_seen == 5);
  sigaction(SIGUSR1, &old, nullptr);
}

TEST_CASE_FIXTURE(hub_test, "run_callback_threadsafe runs calls from other threads in the hub") {
  constexpr int per_thread = 500;
  int calls = 0;
  bool all_on_hub_thread = true;
  const auto hub_thread = std::this_thread::get_id();
  eventlet::greenlet* self = getcurrent();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i)
        hub.run_callback_threadsafe([&] {
          all_on_hub_thread &= std::this_thread::get_id() == hub_thread;
          if (++calls == 4 * per_thread) self->switch_to();
        });
    });
  hub.switch_to();  // nothing else would wake us: only the other threads' calls
  for (auto& t : threads) t.join();
  CHECK(calls == 4 * per_thread);
  CHECK(all_on_hub_thread);
}

TEST_CASE_FIXTURE(hub_test,
                  "blocking detection names a greenthread that keeps the hub from running") {
  std::mutex m;
  std::vector<std::string> reported;
  hub.set_blocking_detection(0.05, [&](std::string_view who, double seconds) {
    std::lock_guard lock(m);
    reported.emplace_back(who);
    CHECK(seconds >= 0.05);
  });
  auto hog = spawn([] {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    while (std::chrono::steady_clock::now() < until) {
    }
  });
  hog.greenlet()->set_name("cpu-hog");
  auto polite = spawn([] {
    for (int i = 0; i < 20; ++i) eventlet::sleep(0.01);
  });
  hog.wait();
  polite.wait();
  hub.set_blocking_detection(0);
  std::lock_guard lock(m);
  CHECK(reported == std::vector<std::string>{"cpu-hog"});
  CHECK_THROWS_AS(hub.set_blocking_detection(-1), std::invalid_argument);
}

TEST_CASE("EVENTLET_HUB with a bad value fails clearly, naming the usable hubs") {
  std::string message;
  std::thread([&] {  // a thread without a hub yet reads the variable
    const char* old = std::getenv("EVENTLET_HUB");
    const std::string saved = old ? old : "";
    setenv("EVENTLET_HUB", "no-such-hub", 1);
    try {
      hubs::get_hub();
    } catch (const hubs::hub_error& e) {
      message = e.what();
    }
    old ? setenv("EVENTLET_HUB", saved.c_str(), 1) : unsetenv("EVENTLET_HUB");
  })
      .join();
  CHECK(message.find("EVENTLET_HUB=no-such-hub") != std::string::npos);
  CHECK(message.find("usable hubs: ") != std::string::npos);
  CHECK(message.find(hub_tests::expected_hub()) != std::string::npos);
  CHECK_THROWS_AS(hubs::use_hub("no-such-hub"), hubs::hub_error);
}

TEST_CASE("each thread has its own hub, chosen by use_hub") {
  const auto names = hubs::available_hubs();
  REQUIRE_FALSE(names.empty());
  CHECK(hubs::get_default_hub() == names.front());
  for (const std::string& name : names) {
    std::string seen;
    int result = 0;
    std::thread([&] {
      hubs::use_hub(name);
      seen = hubs::get_hub().name();
      result = spawn([] {
                 eventlet::sleep(0.001);
                 return 5;
               }).wait();
    }).join();
    CHECK(seen == name);
    CHECK(result == 5);
  }
}

// The leak this guards against shows in the sanitizer build: the timer that woke the main
// greenlet was not freed when the thread's hub went while still in the middle of firing it.
TEST_CASE("a thread whose last wait was a timed sleep leaves its hub clean at exit") {
  bool slept = false;
  std::thread([&] {
    hubs::use_hub(hub_tests::expected_hub());
    eventlet::sleep(0.001);  // the hub greenlet stays suspended inside that timer's firing
    slept = true;
  }).join();
  CHECK(slept);
}

TEST_CASE("a finished greenthread still to be released when its hub goes is freed with it") {
  auto token = std::make_shared<int>(0);
  std::thread([&] {
    hubs::use_hub(hub_tests::expected_hub());
    spawn([token] { return token; });  // its result holds a reference until it is freed
    eventlet::sleep(0);                // it runs and finishes; its release waits for the next pass
  }).join();
  CHECK(token.use_count() == 1);
}
