// python-eventlib's proc links on greenthreads, waitall and killall.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "../support/fixture.hpp"

using namespace eventlet;
using hub_tests::hub_test;

namespace {
std::string what(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (const greenlet_exit&) {
    return "greenlet_exit";
  }
}
}  // namespace

TEST_CASE_FIXTURE(hub_test, "link_value runs on a normal return only, with the value") {
  std::vector<std::string> seen;
  auto ok = spawn([] { return 5; });
  ok.link_value([&](int& v) { seen.push_back("value " + std::to_string(v)); });
  ok.link_exception([&](std::exception_ptr) { seen.push_back("exception"); });
  auto quiet = spawn([] {});
  quiet.link_value([&] { seen.push_back("void value"); });
  ok.wait();
  quiet.wait();
  CHECK(seen == std::vector<std::string>{"value 5", "void value"});
}

TEST_CASE_FIXTURE(hub_test, "link_exception runs when the greenthread throws or is killed") {
  std::vector<std::string> seen;
  auto failing = spawn([]() -> int { throw std::runtime_error("bad"); });
  failing.link_value([&](int&) { seen.push_back("value"); });
  failing.link_exception([&](std::exception_ptr e) { seen.push_back(what(e)); });
  auto killed = spawn([] { eventlet::sleep(10); });
  killed.link_exception([&](std::exception_ptr e) { seen.push_back(what(e)); });
  eventlet::sleep(0);
  killed.kill();
  CHECK_THROWS(failing.wait());
  CHECK(seen == std::vector<std::string>{"bad", "greenlet_exit"});
}

TEST_CASE_FIXTURE(hub_test, "a link added after the end runs at once; unlink stops a link") {
  int calls = 0;
  auto gt = spawn([] { return 1; });
  const std::size_t id = gt.link_value([&](int&) { calls += 10; });
  CHECK(gt.unlink(id));
  gt.wait();
  gt.link_value([&](int&) { ++calls; });
  CHECK(calls == 1);
}

TEST_CASE_FIXTURE(hub_test, "waitall returns the results in order") {
  std::vector<greenthread<int>> all;
  for (int i = 0; i < 5; ++i)
    all.push_back(spawn([i] {
      eventlet::sleep(0.001 * (5 - i));  // finish in reverse order
      return i * i;
    }));
  CHECK(waitall(all) == std::vector<int>{0, 1, 4, 9, 16});
}

TEST_CASE_FIXTURE(hub_test,
                  "waitall waits for all, then rethrows the first failure in list order") {
  int finished = 0;
  std::vector<greenthread<void>> all;
  all.push_back(spawn([&] {
    eventlet::sleep(0.01);
    ++finished;
  }));
  all.push_back(spawn([]() { throw std::runtime_error("second"); }));
  all.push_back(spawn([]() { throw std::logic_error("third"); }));
  all.push_back(spawn([&] {
    eventlet::sleep(0.02);
    ++finished;
  }));
  CHECK_THROWS_WITH(waitall(all), "second");
  CHECK(finished == 2);
}

TEST_CASE_FIXTURE(hub_test, "killall kills every running greenthread and leaves the finished") {
  std::vector<greenthread<int>> all;
  all.push_back(spawn([] { return 1; }));
  all.push_back(spawn([] {
    eventlet::sleep(10);
    return 2;
  }));
  all.push_back(spawn([] {
    eventlet::sleep(10);
    return 3;
  }));
  eventlet::sleep(0);
  killall(all);
  for (auto& g : all) CHECK(g.dead());
  CHECK(all[0].wait() == 1);
  CHECK_THROWS_AS(all[1].wait(), greenlet_exit);
  CHECK_THROWS_AS(all[2].wait(), greenlet_exit);
}
