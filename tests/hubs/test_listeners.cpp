// fd listeners: readiness, close while waiting, fd reuse, second reader, callback exceptions,
// limits, many fds.
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <system_error>
#include <vector>

#include "../support/fixture.hpp"

using namespace eventlet;
using hub_tests::hub_test;
using hub_tests::pipe_pair;

TEST_CASE_FIXTURE(hub_test, "trampoline waits until an fd is readable") {
  pipe_pair p;
  bool written = false;
  auto writer = spawn([&] {
    eventlet::sleep(0.01);
    written = true;
    REQUIRE(write(p.write_end, "x", 1) == 1);
  });
  hubs::trampoline(p.read_end, hubs::io::read);
  CHECK(written);
  char c;
  CHECK(read(p.read_end, &c, 1) == 1);
  writer.wait();
}

TEST_CASE_FIXTURE(hub_test, "trampoline waits until an fd is writable") {
  pipe_pair p;
  hubs::trampoline(p.write_end, hubs::io::write);  // empty pipe: at once
  char block[4096] = {};
  while (write(p.write_end, block, sizeof block) > 0) {
  }
  REQUIRE(errno == EAGAIN);
  bool drained = false;
  auto reader = spawn([&] {
    eventlet::sleep(0.01);
    drained = true;
    while (read(p.read_end, block, sizeof block) > 0) {
    }
  });
  hubs::trampoline(p.write_end, hubs::io::write);
  CHECK(drained);
  reader.wait();
}

TEST_CASE_FIXTURE(hub_test, "trampoline on read and write wakes on whichever comes") {
  pipe_pair p;
  hubs::trampoline(p.write_end, hubs::io::read | hubs::io::write);  // writable now
}

TEST_CASE_FIXTURE(hub_test, "trampoline times out with timeout_error") {
  pipe_pair p;
  const double start = hubs::hub::clock();
  CHECK_THROWS_AS(hubs::trampoline(p.read_end, hubs::io::read, 0.02), timeout_error);
  CHECK(hubs::hub::clock() - start >= 0.02);
}

TEST_CASE_FIXTURE(hub_test, "closing an fd a greenthread waits on wakes it with EBADF") {
  pipe_pair p;
  int error = 0;
  std::string what;
  auto waiter = spawn([&] {
    try {
      hubs::trampoline(p.read_end, hubs::io::read);
    } catch (const std::system_error& e) {
      error = e.code().value();
      what = e.what();
    }
  });
  eventlet::sleep(0);  // it waits now
  p.close_read();
  waiter.wait();
  CHECK(error == EBADF);
  CHECK(what.find("closed") != std::string::npos);
}

TEST_CASE_FIXTURE(hub_test, "a reused fd number never wakes the old fd's waiter") {
  auto first = std::make_unique<pipe_pair>();
  const int number = first->read_end;
  int stale_calls = 0, stale_errors = 0;
  hubs::listener* stale = hub.add(hubs::io::read, number, [&](int error) {
    ++stale_calls;
    if (error) ++stale_errors;
  });
  first->close_read();  // notify_close + close
  pipe_pair second;
  if (second.read_end != number) {  // make sure the number is reused
    REQUIRE(dup2(second.read_end, number) == number);
    close(second.read_end);
    second.read_end = number;
  }
  REQUIRE(write(second.write_end, "y", 1) == 1);
  hubs::trampoline(second.read_end, hubs::io::read, 1.0);  // the new fd is readable
  eventlet::sleep(0.01);
  CHECK(stale_calls == 1);  // only the close notification
  CHECK(stale_errors == 1);
  hub.remove(stale);
  first.reset();
}

TEST_CASE_FIXTURE(hub_test, "a second reader of one fd is a clear error by default") {
  pipe_pair p;
  auto first = spawn([&] { hubs::trampoline(p.read_end, hubs::io::read); });
  eventlet::sleep(0);
  try {
    hubs::trampoline(p.read_end, hubs::io::read);
    FAIL("a second reader was allowed");
  } catch (const hubs::hub_error& e) {
    CHECK(std::string(e.what()).find("second greenthread") != std::string::npos);
  }
  REQUIRE(write(p.write_end, "z", 1) == 1);
  first.wait();
}

TEST_CASE_FIXTURE(hub_test, "several readers of one fd, when allowed, all wake") {
  hub.set_prevent_multiple_readers(false);
  pipe_pair p;
  int woken = 0;
  std::vector<greenthread<void>> readers;
  for (int i = 0; i < 3; ++i)
    readers.push_back(spawn([&] {
      hubs::trampoline(p.read_end, hubs::io::read);
      ++woken;
    }));
  eventlet::sleep(0);
  REQUIRE(write(p.write_end, "w", 1) == 1);
  for (auto& r : readers) r.wait();
  CHECK(woken == 3);
  hub.set_prevent_multiple_readers(true);
}

TEST_CASE_FIXTURE(hub_test,
                  "an exception from a listener or timer callback is reported, the hub goes on") {
  hub_tests::collected_reports collected(hub);
  std::vector<std::string>& reports = collected.lines;
  pipe_pair p;
  REQUIRE(write(p.write_end, "e", 1) == 1);
  hubs::listener* l =
      hub.add(hubs::io::read, p.read_end, [](int) { throw std::runtime_error("listener boom"); });
  hubs::timer t = hub.schedule_call_global(0, [] { throw std::runtime_error("timer boom"); });
  eventlet::sleep(0.01);  // the hub survives and wakes us
  hub.remove(l);
  REQUIRE(reports.size() >= 2);
  CHECK(std::count(reports.begin(), reports.end(), "a timer: timer boom") == 1);
  CHECK(std::count(reports.begin(), reports.end(), "a listener callback: listener boom") >= 1);
}

TEST_CASE_FIXTURE(hub_test, "bad fds are refused with a clear error") {
  CHECK_THROWS_AS(hub.add(hubs::io::read, -1, [](int) {}), hubs::hub_error);
  pipe_pair p;
  CHECK_THROWS_AS(hub.add(hubs::io::none, p.read_end, [](int) {}), hubs::hub_error);
}

TEST_CASE_FIXTURE(hub_test,
                  "an fd at or above FD_SETSIZE: refused by select, watched by the others") {
  pipe_pair p;
  const int high = FD_SETSIZE + 100;
  rlimit lim;
  REQUIRE(getrlimit(RLIMIT_NOFILE, &lim) == 0);
  if (lim.rlim_cur <= static_cast<rlim_t>(high)) {
    MESSAGE("skipped: RLIMIT_NOFILE is ", lim.rlim_cur);
    return;
  }
  REQUIRE(dup2(p.read_end, high) == high);
  if (hub.name() == "select") {
    try {
      hubs::trampoline(high, hubs::io::read);
      FAIL("select watched an fd above FD_SETSIZE");
    } catch (const hubs::hub_error& e) {
      CHECK(std::string(e.what()).find("select hub cannot watch fd") != std::string::npos);
    }
  } else {
    REQUIRE(write(p.write_end, "h", 1) == 1);
    hubs::trampoline(high, hubs::io::read, 1.0);
  }
  hub.notify_close(high);
  close(high);
}

TEST_CASE_FIXTURE(hub_test, "ten thousand pipes are watched at once") {
  if (hub.name() == "select") {
    MESSAGE("skipped: select watches fds below FD_SETSIZE only");
    return;
  }
  constexpr int count = 10000;
  // Both ends of 10,000 pipes exceed the usual 20,000-fd limit: each pipe gets its byte and
  // loses its write end first; what matters is that all 10,000 wait in the hub at once.
  std::vector<int> ends;
  for (int i = 0; i < count; ++i) {
    int fds[2];
    REQUIRE(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    REQUIRE(write(fds[1], "p", 1) == 1);
    close(fds[1]);
    ends.push_back(fds[0]);
  }
  int waiting = 0, most_waiting = 0, done = 0;
  std::vector<greenthread<void>> all;
  for (int fd : ends)
    all.push_back(spawn([&, fd] {
      most_waiting = std::max(most_waiting, ++waiting);
      hubs::trampoline(fd, hubs::io::read);
      --waiting;
      char c;
      if (read(fd, &c, 1) == 1 && c == 'p') ++done;
    }));
  for (auto& g : all) g.wait();
  CHECK(most_waiting == count);
  CHECK(done == count);
  for (int fd : ends) {
    hub.notify_close(fd);
    close(fd);
  }
}

TEST_CASE_FIXTURE(hub_test, "a regular file is always ready, on every hub") {
  char name[] = "/tmp/eventlet-hub-XXXXXX";
  const int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  unlink(name);
  hubs::trampoline(fd, hubs::io::read, 1.0);
  hubs::trampoline(fd, hubs::io::write, 1.0);
  hub.notify_close(fd);
  close(fd);
}
