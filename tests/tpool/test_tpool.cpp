// tpool: values and exceptions, concurrency with the hub, the pool's size and life cycle,
// abandoned calls, fork, proxies, several hub threads, and sending to a hub from a pool thread.
#include <doctest/doctest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <latch>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/event.hpp"
#include "tpool/tpool.hpp"

extern char** environ;

using namespace eventlet;
using namespace std::chrono_literals;
using hub_tests::hub_test;

namespace {

// Gives the pool `n` threads for one test, starting from no thread, and puts back the size it
// found.
struct pool_size {
  int previous = tpool::num_threads();
  explicit pool_size(int n) {
    tpool::killall();
    tpool::set_num_threads(n);
  }
  ~pool_size() {
    tpool::killall();
    tpool::set_num_threads(previous);
  }
};

// What a test shares with a call it may abandon: owned by both, so it outlives either.
struct abandoned_call {
  std::latch started{1};
  std::latch release{1};
  std::atomic<bool> finished{false};
};

// Runs this program again with EVENTLET_THREADPOOL_SIZE=`value`, for the probe test below only,
// and returns what the probe printed.
std::string probe_size(const std::string& value) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    if (std::string(*e).rfind("EVENTLET_THREADPOOL_SIZE=", 0) != 0) env_strings.push_back(*e);
  env_strings.push_back("EVENTLET_THREADPOOL_SIZE=" + value);
  std::vector<char*> env;
  for (std::string& s : env_strings) env.push_back(s.data());
  env.push_back(nullptr);
  char name[] = "tpool_test", filter[] = "--test-case=tpool: (probe)*", no_skip[] = "--no-skip";
  char* argv[] = {name, filter, no_skip, nullptr};

  int out[2];
  REQUIRE(pipe(out) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  pid_t pid;
  const int error = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv, env.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string printed;
  if (error == 0) {
    char buf[4096];
    for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) printed.append(buf, n);
    int status;
    waitpid(pid, &status, 0);
  }
  close(out[0]);
  REQUIRE(error == 0);
  return printed;
}

// `total` is a long: GCC 12 warns (-Warray-bounds) when a member function pointer is called on
// an object smaller than a vtable pointer, which it might have to read.
// A finished greenthread frees itself on the next hub pass, and a hub destroyed before that pass
// (with its thread, or at exit) leaks it: tests whose hub goes next give it that pass.
void let_finished_greenthreads_go() { eventlet::sleep(0); }

struct counter {
  long total = 0;
  long add(long n) { return total += n; }
  std::thread::id where() const { return std::this_thread::get_id(); }
  void fail() const { throw std::runtime_error("counter failed"); }
};

}  // namespace

TEST_CASE_FIXTURE(hub_test, "tpool: execute returns the call's value, computed on a pool thread") {
  CHECK(tpool::execute([](int a, int b) { return a + b; }, 40, 2) == 42);
  const std::string long_text(1000, 'x');
  CHECK(tpool::execute([](const std::string& s) { return s + "!"; }, long_text) == long_text + "!");
  CHECK(tpool::execute([] { return std::this_thread::get_id(); }) != std::this_thread::get_id());
  int calls = 0;
  tpool::execute([](int& n) { ++n; }, std::ref(calls));
  CHECK(calls == 1);
}

TEST_CASE_FIXTURE(hub_test, "tpool: execute rethrows the call's exception") {
  CHECK_THROWS_WITH_AS(tpool::execute([]() -> int { throw std::runtime_error("native failure"); }),
                       "native failure", std::runtime_error);
  struct custom {
    int code;
  };
  bool caught = false;
  try {
    tpool::execute([] { throw custom{7}; });
  } catch (const custom& c) {
    caught = c.code == 7;
  }
  CHECK(caught);
}

TEST_CASE_FIXTURE(hub_test, "tpool: other greenthreads run while a call blocks") {
  std::atomic<int> ticks{0};
  bool stop = false;
  auto ticker = spawn([&] {
    while (!stop) {
      eventlet::sleep(0.001);
      ++ticks;
    }
  });
  const auto [before, after] = tpool::execute([&ticks] {
    const int start = ticks;
    std::this_thread::sleep_for(50ms);
    return std::pair(start, ticks.load());
  });
  stop = true;
  ticker.wait();
  CHECK(after > before);
}

TEST_CASE_FIXTURE(hub_test, "tpool: more concurrent calls than threads all complete") {
  pool_size size(2);
  std::vector<greenthread<int>> callers;
  for (int i = 0; i < 10; ++i)
    callers.push_back(spawn([i] {
      return tpool::execute([i] {
        std::this_thread::sleep_for(2ms);
        return i * i;
      });
    }));
  for (int i = 0; i < 10; ++i) CHECK(callers[i].wait() == i * i);
}

TEST_CASE_FIXTURE(hub_test, "tpool: the pool never starts more threads than its size") {
  pool_size size(3);
  std::mutex mutex;
  std::set<std::thread::id> threads;
  std::atomic<int> running{0}, most{0};
  std::vector<greenthread<void>> callers;
  for (int i = 0; i < 20; ++i)
    callers.push_back(spawn([&] {
      tpool::execute([&] {
        const int now = ++running;
        for (int m = most; m < now && !most.compare_exchange_weak(m, now);) {
        }
        std::this_thread::sleep_for(5ms);
        --running;
        std::lock_guard lock(mutex);
        threads.insert(std::this_thread::get_id());
      });
    }));
  for (auto& c : callers) c.wait();
  CHECK(threads.size() == 3);
  CHECK(most <= 3);
}

TEST_CASE_FIXTURE(hub_test, "tpool: an idle pool sleeps: its brief watch for more calls ends") {
  pool_size size(4);
  std::vector<greenthread<void>> callers;
  for (int i = 0; i < 8; ++i) callers.push_back(spawn([] { tpool::execute([] {}); }));
  for (auto& c : callers) c.wait();
  // A worker watches the queue for 50 microseconds after its last call. A watch that never
  // ended would use about as much CPU time as passes; sleeping threads use none.
  const auto cpu_now = [] {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
  };
  const double before = cpu_now();
  std::this_thread::sleep_for(500ms);
  CHECK(cpu_now() - before < 0.1);
}

TEST_CASE_FIXTURE(hub_test, "tpool: execute from a pool thread runs the call inline") {
  pool_size size(1);  // a nested call that queued would wait for itself
  const auto [outer, inner] = tpool::execute([] {
    return std::pair(std::this_thread::get_id(),
                     tpool::execute([] { return std::this_thread::get_id(); }));
  });
  CHECK(outer == inner);
  CHECK(outer != std::this_thread::get_id());
  CHECK_THROWS_AS(tpool::execute([] { tpool::execute([] { throw std::out_of_range("inner"); }); }),
                  std::out_of_range);
}

TEST_CASE_FIXTURE(hub_test,
                  "tpool: killall finishes the queued calls, and execute starts the pool again") {
  pool_size size(1);
  auto finished = std::make_shared<std::atomic<int>>(0);
  std::vector<greenthread<void>> callers;
  for (int i = 0; i < 5; ++i)
    callers.push_back(spawn([finished] {
      tpool::execute([finished] {
        std::this_thread::sleep_for(2ms);
        ++*finished;
      });
    }));
  eventlet::sleep(0);  // every caller has handed its call to the pool
  tpool::killall();
  CHECK(*finished == 5);
  for (auto& c : callers) c.wait();
  CHECK(tpool::execute([] { return 1; }) == 1);
  tpool::killall();
  tpool::killall();  // on a stopped pool: nothing to do
  CHECK(tpool::execute([] { return 2; }) == 2);
}

TEST_CASE_FIXTURE(hub_test, "tpool: killall from a pool thread is refused") {
  CHECK_THROWS_AS(tpool::execute([] { tpool::killall(); }), std::logic_error);
}

TEST_CASE_FIXTURE(hub_test, "tpool: set_num_threads refuses a size below 1") {
  const int before = tpool::num_threads();
  CHECK_THROWS_AS(tpool::set_num_threads(0), std::invalid_argument);
  CHECK_THROWS_AS(tpool::set_num_threads(-3), std::invalid_argument);
  CHECK(tpool::num_threads() == before);
}

// Run only by the next test, in a process of its own: prints what num_threads() and execute()
// make of EVENTLET_THREADPOOL_SIZE.
TEST_CASE("tpool: (probe) the size the environment gives" * doctest::skip()) {
  auto outcome = [](auto f) {
    try {
      return std::to_string(f());
    } catch (const std::invalid_argument& e) {
      return std::string("refused: ") + e.what();
    }
  };
  std::printf("probe num_threads: %s\n", outcome([] { return tpool::num_threads(); }).c_str());
  std::printf("probe execute: %s\n",
              outcome([] { return tpool::execute([] { return 1; }); }).c_str());
  std::fflush(stdout);
}

TEST_CASE_FIXTURE(
    hub_test, "tpool: EVENTLET_THREADPOOL_SIZE sets the size; a bad one is refused at first use") {
  std::string out = probe_size("7");
  CHECK(out.find("probe num_threads: 7\n") != std::string::npos);
  CHECK(out.find("probe execute: 1\n") != std::string::npos);
  out = probe_size("");  // set but empty counts as unset, as with EVENTLET_HUB
  CHECK(out.find("probe num_threads: 20\n") != std::string::npos);
  for (const char* bad : {"0", "-4", "abc", "12x", " 3", "99999999999999999999"}) {
    CAPTURE(bad);
    out = probe_size(bad);
    CHECK(out.find("probe num_threads: refused: EVENTLET_THREADPOOL_SIZE must be a positive "
                   "integer, not \"" +
                   std::string(bad) + "\"\n") != std::string::npos);
    CHECK(out.find("probe execute: refused: EVENTLET_THREADPOOL_SIZE") != std::string::npos);
  }
}

TEST_CASE_FIXTURE(hub_test, "tpool: execute from a hub callback is refused") {
  std::string refused;
  hubs::timer t = hub.schedule_call_global(0, [&] {
    try {
      tpool::execute([] {});
    } catch (const hubs::hub_error& e) {
      refused = e.what();
    }
  });
  eventlet::sleep(0);
  CHECK(refused.find("do not call blocking functions from the hub") != std::string::npos);
}

TEST_CASE_FIXTURE(hub_test,
                  "tpool: a killed caller's call runs to its end and its result is dropped") {
  auto shared = std::make_shared<abandoned_call>();
  auto caller = spawn([shared] {
    return tpool::execute([shared] {
      shared->started.count_down();
      shared->release.wait();
      shared->finished = true;
      return std::string(1000, 'r');  // on the heap: freed with the dropped result
    });
  });
  eventlet::sleep(0);
  shared->started.wait();
  caller.kill();
  CHECK_THROWS_AS(caller.wait(), greenlet_exit);
  shared->release.count_down();
  tpool::killall();  // the abandoned call has ended
  CHECK(shared->finished);
  CHECK(tpool::execute([] { return 5; }) == 5);  // after the dropped result, in the same hub
}

TEST_CASE_FIXTURE(hub_test, "tpool: a caller that times out abandons its call safely") {
  auto shared = std::make_shared<abandoned_call>();
  CHECK_THROWS_AS(with_timeout(0.01,
                               [shared] {
                                 return tpool::execute([shared] {
                                   shared->release.wait();
                                   shared->finished = true;
                                   return std::vector<int>(1000, 1);
                                 });
                               }),
                  timeout_error);
  shared->release.count_down();
  tpool::killall();
  CHECK(shared->finished);
  CHECK(tpool::execute([] { return 6; }) == 6);
}

TEST_CASE_FIXTURE(hub_test,
                  "tpool: a call that outlives its caller's hub thread is dropped safely") {
  auto shared = std::make_shared<abandoned_call>();
  std::thread([shared] {
    auto caller = spawn([shared] {
      return tpool::execute([shared] {
        shared->started.count_down();
        shared->release.wait();
        shared->finished = true;
        return std::string(1000, 'h');
      });
    });
    eventlet::sleep(0);
    shared->started.wait();
    caller.kill();
    let_finished_greenthreads_go();
  }).join();  // the thread and its hub are gone; the call still runs
  shared->release.count_down();
  tpool::killall();
  CHECK(shared->finished);
}

TEST_CASE_FIXTURE(hub_test, "tpool: the pool works in a forked child") {
  pool_size size(1);
  // The pool's only thread is busy with a call when the process forks.
  auto shared = std::make_shared<abandoned_call>();
  auto busy = spawn([shared] {
    tpool::execute([shared] {
      shared->started.count_down();
      shared->release.wait();
    });
  });
  eventlet::sleep(0);
  shared->started.wait();
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    alarm(60);  // a hung child fails the test instead of hanging it
    int status = 1;
    try {
      auto a = spawn([] { return tpool::execute([] { return getpid(); }); });
      const pid_t b = tpool::execute([] { return getpid(); });
      if (a.wait() == getpid() && b == getpid()) status = 0;
    } catch (...) {
    }
    _exit(status);
  }
  int status = -1;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  shared->release.count_down();
  busy.wait();  // the parent's call was not disturbed
  CHECK(tpool::execute([] { return 3; }) == 3);
}

TEST_CASE_FIXTURE(hub_test, "tpool: proxy runs an object's methods on the pool") {
  counter by_reference;
  tpool::proxy<counter> p(by_reference);
  CHECK(p.call(&counter::add, 2) == 2);
  CHECK(p.call(&counter::add, 3) == 5);
  CHECK(p.call(&counter::where) != std::this_thread::get_id());
  CHECK_THROWS_WITH_AS(p.call(&counter::fail), "counter failed", std::runtime_error);
  CHECK(&p.get() == &by_reference);

  auto owned = std::make_shared<counter>();
  tpool::proxy<counter> q(owned);
  CHECK(q.call(&counter::add, 7) == 7);
  CHECK(owned->total == 7);
  CHECK(&q.get() == owned.get());
  CHECK_THROWS_AS(tpool::proxy<counter>(std::shared_ptr<counter>()), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test,
                  "tpool: calls from several hub threads at once each return to their own hub") {
  constexpr int threads = 4, callers = 5;
  std::atomic<int> right{0};
  std::vector<std::thread> hub_threads;
  for (int t = 0; t < threads; ++t)
    hub_threads.emplace_back([t, &right] {
      hubs::hub& own = hubs::get_hub();
      std::vector<greenthread<bool>> calls;
      for (int i = 0; i < callers; ++i)
        calls.push_back(spawn([t, i, &own] {
          const auto thread = std::this_thread::get_id();
          const int value = tpool::execute([t, i] {
            std::this_thread::sleep_for(1ms);
            return t * 100 + i;
          });
          return value == t * 100 + i && std::this_thread::get_id() == thread &&
                 &hubs::get_hub() == &own;
        }));
      for (auto& c : calls) right += c.wait();
      let_finished_greenthreads_go();
    });
  // This thread's hub makes calls meanwhile.
  std::vector<greenthread<int>> here;
  for (int i = 0; i < callers; ++i)
    here.push_back(spawn([i] { return tpool::execute([i] { return -i; }); }));
  for (int i = 0; i < callers; ++i) CHECK(here[i].wait() == -i);
  for (auto& t : hub_threads) t.join();
  CHECK(right == threads * callers);
}

TEST_CASE_FIXTURE(hub_test,
                  "tpool: a pool thread completes a hub thread's event with send_threadsafe") {
  event<std::string> e;
  auto waiter = spawn([&] { return e.wait(); });
  tpool::execute([&e] { e.send_threadsafe("from the pool"); });
  CHECK(waiter.wait() == "from the pool");
  let_finished_greenthreads_go();  // before the process exits
}
