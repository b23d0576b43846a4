// local<T>: one value per greenthread.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/local.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "each greenthread sees its own value of a local") {
  local<std::string> name;
  *name = "main";
  std::vector<greenthread<std::string>> all;
  for (int i = 0; i < 3; ++i)
    all.push_back(spawn([&, i] {
      CHECK(name->empty());  // a fresh value, not main's
      *name = "green " + std::to_string(i);
      eventlet::sleep(0);  // the others set theirs meanwhile
      return *name;
    }));
  for (int i = 0; i < 3; ++i) CHECK(all[i].wait() == "green " + std::to_string(i));
  CHECK(*name == "main");
}

TEST_CASE_FIXTURE(hub_test, "a local made with a factory; has_value and reset") {
  int made = 0;
  local<int> counter([&] { return ++made * 100; });
  CHECK_FALSE(counter.has_value());
  CHECK(*counter == 100);
  CHECK(counter.has_value());
  counter.reset();
  CHECK(*counter == 200);
  CHECK(spawn([&] { return *counter; }).wait() == 300);
}

TEST_CASE_FIXTURE(hub_test, "a greenthread's local values go when its greenlet goes") {
  auto token = std::make_shared<int>(0);
  local<std::shared_ptr<int>> held;
  spawn([&] { *held = token; }).wait();
  eventlet::sleep(0);  // the finished greenthread is released on the next pass
  CHECK(token.use_count() == 1);
}

TEST_CASE_FIXTURE(hub_test, "two locals of one greenthread do not mix") {
  local<int> a, b;
  *a = 1;
  *b = 2;
  CHECK(*a == 1);
  CHECK(*b == 2);
}
