// green_pile<T> and imap(): results in spawn (input) order, the pool's limit,
// exceptions at the item that threw, interrupted waits, a consumer beside a producer, early
// stops and destruction, the hub greenlet and thread rules.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/event.hpp"
#include "coros/green_pile.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test,
                  "green_pile: results come in spawn order, though they finish in reverse") {
  green_pile<int> pile(10);
  std::array<event<>, 5> go;
  std::vector<int> finished;
  for (int i = 0; i < 5; ++i)
    pile.spawn([&, i] {
      go[i].wait();
      finished.push_back(i);
      return i * i;
    });
  auto releaser = spawn([&] {
    for (int i = 4; i >= 0; --i) {
      go[i].send();
      eventlet::sleep(0);
    }
  });
  std::vector<int> got;
  for (int v : pile) got.push_back(v);
  CHECK(got == std::vector<int>{0, 1, 4, 9, 16});
  CHECK(finished == std::vector<int>{4, 3, 2, 1, 0});
  CHECK_FALSE(pile.next().has_value());
  for (int v : pile) got.push_back(v);  // nothing left
  CHECK(got.size() == 5);
  releaser.wait();
}

TEST_CASE_FIXTURE(hub_test,
                  "green_pile: its pool bounds how many run; spawn blocks while it is full") {
  green_pile<int> pile(2);
  int running = 0, most = 0;
  for (int i = 0; i < 6; ++i)
    pile.spawn(
        [&](int x) {
          most = std::max(most, ++running);
          eventlet::sleep(0);
          --running;
          return x;
        },
        i);
  std::vector<int> got;
  for (int v : pile) got.push_back(v);
  CHECK(got == std::vector<int>{0, 1, 2, 3, 4, 5});
  CHECK(most == 2);
}

TEST_CASE_FIXTURE(hub_test, "green_pile: piles can share a pool") {
  green_pool pool(3);
  green_pile<std::string> words(pool);
  green_pile<int> numbers(pool);
  event<> go;
  words.spawn([&] {
    go.wait();
    return std::string("one");
  });
  numbers.spawn([&] {
    go.wait();
    return 1;
  });
  words.spawn([&] {
    go.wait();
    return std::string("two");
  });
  CHECK(pool.running() == 3);
  CHECK(pool.free() == 0);
  go.send();
  CHECK(numbers.next() == 1);
  CHECK(words.next() == "one");
  CHECK(words.next() == "two");
  CHECK_FALSE(words.next().has_value());
  pool.waitall();
}

TEST_CASE_FIXTURE(hub_test,
                  "green_pile: an exception is rethrown at the item that threw; the rest follow") {
  green_pile<int> pile;
  pile.spawn([] { return 1; });
  pile.spawn([]() -> int { throw std::runtime_error("second"); });
  pile.spawn([] { return 3; });
  pile.spawn([]() -> int { throw std::logic_error("fourth"); });
  pile.spawn([] { return 5; });
  CHECK(pile.next() == 1);
  CHECK_THROWS_WITH(pile.next(), "second");
  std::vector<int> got;
  try {
    for (int v : pile) got.push_back(v);
  } catch (const std::logic_error& e) {
    got.push_back(-1);
  }
  for (int v : pile) got.push_back(v);  // iterating again goes on after the failure
  CHECK(got == std::vector<int>{3, -1, 5});
}

TEST_CASE_FIXTURE(
    hub_test,
    "green_pile: a wait interrupted by a timeout or a kill leaves the result first in line") {
  green_pile<int> pile;
  event<> go;
  pile.spawn([&] {
    go.wait();
    return 1;
  });
  pile.spawn([] { return 2; });
  auto timed = spawn([&] {
    try {
      timeout t(0.01);
      pile.next();
    } catch (const timeout_error&) {
      return true;
    }
    return false;
  });
  CHECK(timed.wait());
  auto killed = spawn([&] { return pile.next(); });
  eventlet::sleep(0);
  killed.kill();
  CHECK_THROWS_AS(killed.wait(), greenlet_exit);
  go.send();
  CHECK(pile.next() == 1);
  CHECK(pile.next() == 2);
  CHECK_FALSE(pile.next().has_value());
}

TEST_CASE_FIXTURE(hub_test, "green_pile: next waits for a spawn under way in another greenthread") {
  green_pile<int> pile(1);
  event<> go;
  pile.spawn([&] {
    go.wait();
    return 1;
  });
  auto producer = spawn([&] { pile.spawn([] { return 2; }); });  // blocks: the pool is full
  eventlet::sleep(0);
  auto consumer = spawn([&] {
    std::vector<int> got;
    for (int v : pile) got.push_back(v);
    return got;
  });
  eventlet::sleep(0);
  go.send();
  CHECK(consumer.wait() == std::vector<int>{1, 2});
  producer.wait();
}

TEST_CASE_FIXTURE(hub_test, "green_pile: destroying it kills what runs in its own pool") {
  std::vector<std::string> log;
  event<> never;
  {
    green_pile<int> pile(2);
    pile.spawn([&] {
      struct mark {
        std::vector<std::string>& log;
        ~mark() { log.push_back("unwound"); }
      } m{log};
      never.wait();
      return 1;
    });
    eventlet::sleep(0);
  }
  CHECK(log == std::vector<std::string>{"unwound"});
}

TEST_CASE_FIXTURE(hub_test,
                  "green_pile: spawn works in a hub callback; a next() that would block is "
                  "refused, losing nothing") {
  green_pile<int> pile(2);
  event<> done;
  std::string refused;
  hubs::timer t = hub.schedule_call_global(0, [&] {
    pile.spawn([] { return 4; });
    try {
      pile.next();
    } catch (const hubs::hub_error& e) {
      refused = e.what();
    }
    done.send();
  });
  done.wait();
  CHECK(refused.find("hub") != std::string::npos);
  CHECK(pile.next() == 4);
  CHECK_FALSE(pile.next().has_value());
}

TEST_CASE_FIXTURE(hub_test, "green_pile: use from another thread is refused") {
  green_pile<int> pile(2);
  pile.spawn([] { return 1; });
  int refused = 0;
  std::thread([&] {
    try {
      pile.next();
    } catch (const hubs::hub_error& e) {
      if (std::string(e.what()).find("another thread") != std::string::npos) ++refused;
    }
    try {
      pile.spawn([] { return 2; });
    } catch (const hubs::hub_error& e) {
      if (std::string(e.what()).find("another thread") != std::string::npos) ++refused;
    }
  }).join();
  CHECK(refused == 2);
  CHECK(pile.next() == 1);
  CHECK_FALSE(pile.next().has_value());
}

TEST_CASE_FIXTURE(hub_test, "green_pile: a size of 0 is refused") {
  CHECK_THROWS_AS(green_pile<int>(0), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "imap: results in input order, at most the pool's size at once") {
  green_pool pool(3);
  int running = 0, most = 0;
  std::vector<int> got;
  for (int v : imap(
           pool,
           [&](int x) {
             most = std::max(most, ++running);
             eventlet::sleep(0.001 * (3 - x % 3));
             --running;
             return x * 10;
           },
           std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}))
    got.push_back(v);
  CHECK(got == std::vector<int>{0, 10, 20, 30, 40, 50, 60, 70, 80, 90});
  CHECK(most == 3);
  CHECK(pool.running() == 0);
}

TEST_CASE_FIXTURE(hub_test, "imap: over a view, and over nothing") {
  green_pool pool(2);
  std::vector<int> got;
  for (int v : imap(
           pool, [](int x) { return x * x; }, std::views::iota(1, 5)))
    got.push_back(v);
  CHECK(got == std::vector<int>{1, 4, 9, 16});
  auto none = imap(
      pool, [](int x) { return x; }, std::vector<int>{});
  CHECK_FALSE(none.next().has_value());
}

TEST_CASE_FIXTURE(hub_test,
                  "imap: an exception is rethrown at its item; so is one from the inputs") {
  green_pool pool(2);
  auto results = imap(
      pool,
      [](int x) {
        if (x == 1) throw std::runtime_error("item 1");
        return x;
      },
      std::views::iota(0, 6) | std::views::transform([](int x) {
        if (x == 4) throw std::runtime_error("input 4");
        return x;
      }));
  CHECK(results.next() == 0);
  CHECK_THROWS_WITH(results.next(), "item 1");
  CHECK(results.next() == 2);
  CHECK(results.next() == 3);
  CHECK_THROWS_WITH(results.next(), "input 4");
  CHECK_FALSE(results.next().has_value());
}

TEST_CASE_FIXTURE(hub_test,
                  "imap: dropping the results early stops the spawning; what runs finishes") {
  green_pool pool(2);
  std::vector<int> started;
  {
    auto results = imap(
        pool,
        [&](int x) {
          started.push_back(x);
          eventlet::sleep(0.001);
          return x;
        },
        std::views::iota(0, 100));
    CHECK(results.next() == 0);
  }
  pool.waitall();
  CHECK(started.size() < 10);
  CHECK(pool.running() == 0);
}

TEST_CASE_FIXTURE(hub_test,
                  "imap: from a hub callback the spawning starts; the results come later") {
  green_pool pool(2);
  std::unique_ptr<green_pile<int>>
      results;  // (a pile cannot move: imap()'s result is made in place)
  event<> done;
  hubs::timer t = hub.schedule_call_global(0, [&] {
    results.reset(new green_pile<int>(imap(
        pool, [](int x) { return x + 1; }, std::vector<int>{1, 2, 3})));
    done.send();
  });
  done.wait();
  std::vector<int> got;
  for (int v : *results) got.push_back(v);
  CHECK(got == std::vector<int>{2, 3, 4});
}

TEST_CASE_FIXTURE(hub_test, "starmap: calls f with each tuple's elements, results in order") {
  green_pool pool(2);
  const std::vector<std::tuple<int, std::string>> inputs = {{1, "a"}, {2, "b"}, {3, "c"}};
  std::vector<std::string> got;
  for (std::string& s : starmap(
           pool,
           [](int n, const std::string&s) {
             eventlet::sleep(0.001 * (3 - n));
             return std::string(static_cast<std::size_t>(n), s[0]);
           },
           inputs))
    got.push_back(s);
  CHECK(got == std::vector<std::string>{"a", "bb", "ccc"});
  auto sums = starmap(
      pool, [](int a, int b) { return a + b; }, std::vector<std::pair<int, int>>{{1, 2}, {3, 4}});
  CHECK(sums.next() == 3);
  CHECK(sums.next() == 7);
  CHECK(!sums.next());
}
