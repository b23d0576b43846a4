// The hub's lifetime and the lifetimes around it: use_hub() carrying work over, kill() waiting
// for the death, timers outliving their greenthread, shutdown(), calls from other threads.
#include <fcntl.h>
#include <sys/select.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "../support/fixture.hpp"
#include "base/log.hpp"
#include "coros/actor.hpp"
#include "coros/channel.hpp"
#include "coros/event.hpp"
#include "coros/green_pile.hpp"
#include "coros/green_pool.hpp"
#include "coros/object_pool.hpp"
#include "coros/queue.hpp"
#include "coros/semaphore.hpp"
#include "hubs/trampoline.hpp"

using namespace eventlet;
using hub_tests::collected_reports;
using hub_tests::hub_test;
using hub_tests::pipe_pair;

namespace {

// Writes one byte to `fd`.
void poke(int fd) { REQUIRE(write(fd, "x", 1) == 1); }

// Something a greenthread holds whose destructor blocks: cleanup that sleeps.
struct slow_cleanup {
  bool& done;
  ~slow_cleanup() {
    eventlet::sleep(0.01);
    done = true;
  }
};

// Cleanup that writes to the scope its greenthread was spawned from: that scope must still
// exist when it runs.
struct touch {
  int& v;
  ~touch() { v = 1; }
};

}  // namespace

// ---- use_hub -------------------------------------------------------------------------------

TEST_CASE_FIXTURE(hub_test, "use_hub carries every kind of pending work over to the new backend") {
  for (const std::string& name : hubs::available_hubs()) {
    CAPTURE(name);
    eventlet::timeout limit(5);
    event<int> sent, sent_threadsafe;
    queue<int> items;
    pipe_pair p;
    auto on_event = spawn([&] { return sent.wait(); });
    auto on_queue = spawn([&] { return items.get(); });
    auto on_threadsafe = spawn([&] { return sent_threadsafe.wait(); });
    auto on_timer = spawn([] {
      eventlet::sleep(0.02);
      return 4;
    });
    auto on_fd = spawn([&] {
      hubs::trampoline(p.read_end, hubs::io::read);
      return 5;
    });
    eventlet::sleep(0);  // all of them wait now
    auto unstarted = spawn([] { return 6; });
    hubs::use_hub(name);
    CHECK(&hubs::get_hub() == &hub);  // the same hub, on another backend
    CHECK(hub.name() == name);
    std::thread([&] { sent_threadsafe.send_threadsafe(3); }).join();
    sent.send(1);
    items.put(2);
    poke(p.write_end);
    CHECK(on_event.wait() == 1);
    CHECK(on_queue.wait() == 2);
    CHECK(on_threadsafe.wait() == 3);
    CHECK(on_timer.wait() == 4);
    CHECK(on_fd.wait() == 5);
    CHECK(unstarted.wait() == 6);
  }
  hubs::use_hub(hub_tests::expected_hub());
}

TEST_CASE_FIXTURE(hub_test, "use_hub refuses a backend that cannot watch an fd waited on") {
  pipe_pair p;
  const int high = fcntl(p.read_end, F_DUPFD_CLOEXEC, 1500);
  REQUIRE(high >= 1500);
  if (hub.name() == "select") {
    CHECK_THROWS_WITH_AS(hubs::trampoline(high, hubs::io::read, 0.1),
                         doctest::Contains(("fd " + std::to_string(high)).c_str()),
                         hubs::hub_error);
  } else {
    auto waiter = spawn([&] {
      hubs::trampoline(high, hubs::io::read, 5);
      return true;
    });
    eventlet::sleep(0);
    CHECK_THROWS_WITH_AS(hubs::use_hub("select"),
                         doctest::Contains(("fd " + std::to_string(high)).c_str()),
                         hubs::hub_error);
    CHECK(hub.name() == hub_tests::expected_hub());  // nothing changed
    poke(p.write_end);
    CHECK(waiter.wait());
  }
  hub.notify_close(high);
  close(high);
}

TEST_CASE_FIXTURE(hub_test, "use_hub from the hub greenlet is a hub_error") {
  std::string error;
  hubs::timer t = hub.schedule_call_global(0, [&] {
    try {
      hubs::use_hub(hub_tests::expected_hub());
    } catch (const hubs::hub_error& e) {
      error = e.what();
    }
  });
  eventlet::sleep(0.001);
  CHECK(error.find("hub greenlet") != std::string::npos);
}

// ---- kill ----------------------------------------------------------------------------------

TEST_CASE_FIXTURE(hub_test, "kill returns only once the victim has finished unwinding") {
  SUBCASE("a destructor that blocks") {
    bool cleaned = false;
    auto victim = spawn([&] {
      slow_cleanup c{cleaned};
      event<> never;
      never.wait();
    });
    eventlet::sleep(0);
    victim.kill();
    CHECK(cleaned);
    CHECK(victim.dead());
  }
  SUBCASE("a catch block that blocks, then rethrows") {
    bool cleaned = false;
    auto victim = spawn([&] {
      try {
        eventlet::sleep(10);
      } catch (const greenlet_exit&) {
        eventlet::sleep(0.01);
        cleaned = true;
        throw;
      }
    });
    eventlet::sleep(0);
    victim.kill();
    CHECK(cleaned);
  }
}

TEST_CASE_FIXTURE(hub_test, "kill from the hub greenlet raises the exit and returns at once") {
  bool cleaned = false, returned = false, cleaned_when_returned = true;
  auto victim = spawn([&] {
    slow_cleanup c{cleaned};
    eventlet::sleep(10);
  });
  eventlet::sleep(0);
  hubs::timer t = hub.schedule_call_global(0, [&] {
    victim.kill();
    returned = true;
    cleaned_when_returned = cleaned;
  });
  CHECK_THROWS_AS(victim.wait(), greenlet_exit);
  CHECK(returned);
  CHECK_FALSE(cleaned_when_returned);
  CHECK(cleaned);
}

TEST_CASE_FIXTURE(hub_test, "destroying a pool, pile or actor waits for its members' cleanup") {
  bool cleaned = false;
  SUBCASE("green_pool") {
    {
      int in_scope = 0;
      green_pool pool(2);
      pool.spawn_n([&] {
        slow_cleanup c{cleaned};
        touch t{in_scope};  // after the blocking cleanup
        eventlet::sleep(10);
      });
      eventlet::sleep(0);
    }
    CHECK(cleaned);
  }
  SUBCASE("green_pile") {
    {
      int in_scope = 0;
      green_pile<int> pile(2);
      pile.spawn([&] {
        touch t{in_scope};
        slow_cleanup c{cleaned};
        eventlet::sleep(10);
        return 1;
      });
      eventlet::sleep(0);
    }
    CHECK(cleaned);
  }
  SUBCASE("actor") {
    {
      int in_scope = 0;
      actor<int> a([&](int) {
        touch t{in_scope};
        slow_cleanup c{cleaned};
        eventlet::sleep(10);
      });
      a.cast(1);
      eventlet::sleep(0);
      eventlet::sleep(0);
    }
    CHECK(cleaned);
  }
}

// ---- timers that outlive their greenthread -------------------------------------------------

TEST_CASE_FIXTURE(hub_test, "exc_after and timeout do nothing once their greenthread is gone") {
  collected_reports reports(hub);
  hubs::timer late;
  std::unique_ptr<eventlet::timeout> held;
  SUBCASE("finished and freed") {
    spawn_n([&] {
      late = exc_after(0.005, std::make_exception_ptr(std::runtime_error("late")));
      held = std::make_unique<eventlet::timeout>(0.005);
    });
    eventlet::sleep(0.03);
  }
  SUBCASE("finished, still held by a handle") {
    auto gt = spawn([&] {
      late = exc_after(0.005, std::make_exception_ptr(std::runtime_error("late")));
      held = std::make_unique<eventlet::timeout>(0.005);
    });
    gt.wait();
    eventlet::sleep(0.03);
  }
  CHECK_FALSE(late.pending());
  CHECK_FALSE(held->pending());
  CHECK(reports.lines.empty());
}

// ---- exceptions nobody waits for -----------------------------------------------------------

TEST_CASE_FIXTURE(hub_test,
                  "an exception nobody looks at is reported once, naming the greenthread") {
  collected_reports reports(hub);
  auto fail = [](const char* what) { return [what] { throw std::runtime_error(what); }; };
  spawn(spawn_options{.name = "dropped"}, fail("a"));               // handle dropped at once
  auto kept = spawn(spawn_options{.name = "kept"}, fail("b"));      // dropped later
  auto waited = spawn(spawn_options{.name = "waited"}, fail("c"));  // looked at
  auto linked = spawn(spawn_options{.name = "linked"}, fail("d"));
  linked.link_exception([](std::exception_ptr) {});
  auto killed = spawn(spawn_options{.name = "killed"}, [] { eventlet::sleep(10); });
  eventlet::sleep(0.001);
  killed.kill();
  CHECK_THROWS_AS(waited.wait(), std::runtime_error);
  eventlet::sleep(0);
  CHECK(reports.lines ==
        std::vector<std::string>{"greenthread 'dropped' (nobody waited for it): a"});
  { auto gone = std::move(kept); }
  CHECK(reports.lines == std::vector<std::string>{"greenthread 'dropped' (nobody waited for it): a",
                                                  "greenthread 'kept' (nobody waited for it): b"});
}

// ---- spawn_options -------------------------------------------------------------------------

TEST_CASE_FIXTURE(hub_test,
                  "spawn_options name greenthreads in the hub's listing and size stacks") {
  event<> release;
  auto a = spawn(spawn_options{.name = "first"}, [&] { release.wait(); });
  auto b = spawn(spawn_options{.name = "second"}, [&] { release.wait(); });
  std::vector<std::string> names;
  for (eventlet::greenlet* g : hub.greenthreads()) names.push_back(g->name());
  CHECK(names == std::vector<std::string>{"first", "second"});
  CHECK(hub.greenthread_count() == 2);
  release.send();
  a.wait();
  b.wait();
  CHECK(hub.greenthread_count() == 0);
  // 600 KiB of locals overflow the default 256 KiB stack, not a 1 MiB one.
  auto deep = spawn(spawn_options{.stack_size = 1 << 20}, [] {
    volatile char big[600 * 1024];
    for (std::size_t i = 0; i < sizeof big; i += 4096) big[i] = 1;
    return big[4096] + 0;
  });
  CHECK(deep.wait() == 1);
  CHECK_THROWS_AS(spawn(spawn_options{.stack_size = 1}, [] {}), std::invalid_argument);
}

// ---- bad fds -------------------------------------------------------------------------------

TEST_CASE_FIXTURE(hub_test, "a wait on a closed, never-opened or invalid fd is an error at once") {
  auto expect_ebadf = [&](int fd) {
    CAPTURE(fd);
    try {
      hubs::trampoline(fd, hubs::io::read, 2);
      FAIL("the wait returned as if the fd were ready");
    } catch (const std::system_error& e) {
      CHECK(e.code().value() == EBADF);
    } catch (const hubs::hub_error& e) {  // select: past FD_SETSIZE, refused before anything
      CHECK(hub.name() == "select");
      CHECK(fd >= FD_SETSIZE);
    } catch (const timeout_error&) {
      FAIL("the wait went on as if the fd were fine");
    }
  };
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
  close(fds[0]);  // raw: the hub is not told
  close(fds[1]);
  expect_ebadf(fds[0]);
  int unused = 900;
  while (fcntl(unused, F_GETFD) >= 0) ++unused;
  expect_ebadf(unused);
  expect_ebadf(1 << 28);  // far past any fd: no table grows to it
  CHECK_THROWS_AS(hubs::trampoline(-1, hubs::io::read, 1), hubs::hub_error);
}

// ---- fd numbers reused within one pass -----------------------------------------------------

TEST_CASE_FIXTURE(hub_test, "a wait on an fd number reused in the same pass wakes when it should") {
  int a[2], b[2];
  REQUIRE(pipe2(a, O_NONBLOCK | O_CLOEXEC) == 0);
  std::atomic<int> new_write_end{-1};
  auto gt = spawn([&] {
    hubs::trampoline(a[0], hubs::io::read, 2);
    // Still in the pass that woke it: close without telling the hub, reuse the number.
    const int number = a[0];
    close(a[0]);
    REQUIRE(pipe2(b, O_NONBLOCK | O_CLOEXEC) == 0);
    REQUIRE(b[0] == number);
    new_write_end = b[1];
    hubs::trampoline(b[0], hubs::io::read, 2);  // timeout_error if never registered
    return true;
  });
  eventlet::sleep(0);
  poke(a[1]);
  while (new_write_end < 0) eventlet::sleep(0.001);
  poke(new_write_end);
  CHECK(gt.wait());
  hub.notify_close(b[0]);
  for (int fd : {a[1], b[0], b[1]}) close(fd);
}

TEST_CASE_FIXTURE(hub_test, "an EBADF meant for an old wait never reaches a later one") {
  struct interrupted {};
  pipe_pair x, y;
  auto gt = spawn([&] {
    try {
      hubs::trampoline(x.read_end, hubs::io::read, 5);
    } catch (const interrupted&) {
    }
    try {
      hubs::trampoline(y.read_end, hubs::io::read, 0.05);
      return std::string("ready");
    } catch (const timeout_error&) {
      return std::string("timed out");
    } catch (const std::system_error& e) {
      return std::string(e.what());
    }
  });
  eventlet::sleep(0);
  hub.notify_close(x.read_end);  // its waiter is to hear EBADF on the next pass...
  hubs::wakeup back(getcurrent());
  hub.queue(back);
  gt.greenlet()->throw_in(std::make_exception_ptr(interrupted{}));  // ...but is moved on first
  CHECK(gt.wait() == "timed out");
  close(x.read_end);
  x.read_end = -1;
}

// ---- shutdown ------------------------------------------------------------------------------

TEST_CASE("shutdown kills the greenthreads oldest first, drops timers, closes the hub's fds") {
  std::vector<std::string> order;
  bool unstarted_ran = false;
  auto token = std::make_shared<int>(0);
  std::size_t fds_before = 0, fds_after = 0, listeners_after = 1, greenthreads_after = 1;
  bool timer_pending = true, reopened = false;
  std::string from_greenthread;
  std::thread([&] {
    auto count_fds = [] {
      std::size_t n = 0;
      for (int fd = 0; fd < 4096; ++fd) n += fcntl(fd, F_GETFD) >= 0;
      return n;
    };
    fds_before = count_fds();
    hubs::use_hub(hub_tests::expected_hub());
    hubs::hub& h = hubs::get_hub();
    event<> never;
    auto dying = [&](std::string name) {
      return [&order, &never, name] {
        try {
          never.wait();
        } catch (const greenlet_exit&) {
          eventlet::sleep(0.002);  // cleanup that blocks: the next waits for it
          order.push_back(name);
          throw;
        }
      };
    };
    spawn_n(dying("first"));
    spawn_n(dying("second"));
    eventlet::sleep(0);
    spawn_n([&] { unstarted_ran = true; });
    hubs::timer t = call_after(10, [token] {});
    int fds[2];
    REQUIRE(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    hubs::listener* l = h.add(hubs::io::read, fds[0], [](int) {});
    hubs::shutdown();
    timer_pending = t.pending();
    greenthreads_after = h.greenthread_count();
    h.remove(l);  // still safe
    listeners_after = h.listener_count();
    close(fds[0]);
    close(fds[1]);
    fds_after = count_fds();
    reopened = spawn([] { return 1; }).wait() == 1;
    spawn([&] {
      try {
        hubs::shutdown();
      } catch (const hubs::hub_error& e) {
        from_greenthread = e.what();
      }
    }).wait();
  }).join();
  CHECK(order == std::vector<std::string>{"first", "second"});
  CHECK_FALSE(unstarted_ran);
  CHECK(token.use_count() == 1);  // the timer's callback is gone
  CHECK_FALSE(timer_pending);
  CHECK(greenthreads_after == 0);
  CHECK(listeners_after == 0);
  CHECK(fds_after == fds_before);
  CHECK(reopened);
  CHECK(from_greenthread.find("main greenlet") != std::string::npos);
}

// ---- calls from other threads --------------------------------------------------------------

TEST_CASE_FIXTURE(hub_test, "calls from another thread fail at once and change nothing") {
  event<> release;
  auto gt = spawn([&] {
    release.wait();
    return 7;
  });
  eventlet::sleep(0);
  queue<int> items;
  semaphore sem(0);
  channel<int> ch;
  green_pool pool(1);
  eventlet::object_pool<int> objects(0, 1, [] { return 1; });
  pipe_pair p;
  std::vector<std::string> outcomes;
  std::thread([&] {
    auto expect = [&](auto&& f) {
      try {
        f();
        outcomes.push_back("allowed");
      } catch (const hubs::hub_error&) {
        outcomes.push_back("hub_error");
      } catch (const greenlet_error&) {
        outcomes.push_back("greenlet_error");
      } catch (...) {
        outcomes.push_back("other");
      }
    };
    expect([&] { gt.kill(); });
    expect([&] { gt.link([](greenthread<int>&) {}); });
    expect([&] { gt.unlink(1); });
    expect([&] { gt.cancel(); });
    expect([&] { gt.wait(); });
    expect([&] { release.wait(); });
    expect([&] { release.send(); });
    expect([&] { items.get(); });
    expect([&] { items.put(1); });
    expect([&] { sem.acquire(); });
    expect([&] { ch.receive(); });
    expect([&] { pool.spawn([] {}); });
    expect([&] { objects.get(); });
    expect([&] { hub.schedule_call_global(0, [] {}); });
    expect([&] { hub.add(hubs::io::read, p.read_end, [](int) {}); });
    expect([&] { gt.greenlet()->switch_to(); });
  }).join();
  std::vector<std::string> expected(15, "hub_error");
  expected.push_back("greenlet_error");
  CHECK(outcomes == expected);
  CHECK(items.qsize() == 0);
  CHECK(pool.free() == 1);
  release.send();
  CHECK(gt.wait() == 7);
}
