// Between loop callbacks and greenthreads: defer_to_green_thread(), call_in_green_thread(),
// block_on().
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <limits>
#include <optional>
#include <stdexcept>
#include <thread>

#include "base/errors.hpp"
#include "coros/event.hpp"
#include "coros/greenthread.hpp"
#include "embed/block_on.hpp"
#include "embed/defer.hpp"
#include "embed/join.hpp"
#include "way.hpp"

using embed_tests::way;
namespace embed = eventlet::embed;

TEST_CASE("defer_to_green_thread runs blocking code and hands its outcome to loop context") {
  way w;
  w.run([&] {
    eventlet::event<int> got;
    eventlet::event<std::string> failed;
    const eventlet::greenlet* loop_context = nullptr;
    w.later(0.01, [&] {
      embed::defer_to_green_thread(
          [] {
            eventlet::sleep(0.02);
            return 6 * 7;
          },
          [&](embed::outcome<int> r) {
            loop_context = eventlet::getcurrent();
            got.send(r.value());
          });
      embed::defer_to_green_thread([]() -> int { throw std::runtime_error("no luck"); },
                                   [&](embed::outcome<int> r) {
                                     try {
                                       r.value();
                                     } catch (const std::runtime_error& e) {
                                       failed.send(e.what());
                                     }
                                   });
    });
    CHECK(got.wait() == 42);
    CHECK(failed.wait() == "no luck");
    // Loop context: the main greenlet when joined, else the hub's.
    if (w.join)
      CHECK(loop_context->parent() == nullptr);
    else
      CHECK(loop_context == eventlet::hubs::get_hub().greenlet());
  });
}

TEST_CASE("call_in_green_thread runs a function that blocks, from a loop callback") {
  way w;
  w.run([&] {
    eventlet::event<void> done;
    w.later(0.01, [&] {
      embed::call_in_green_thread([&] {
        eventlet::sleep(0.01);
        done.send();
      });
    });
    CHECK(done.try_wait(5.0));
  });
}

TEST_CASE("block_on outside any greenthread: a value, an exception, a timeout") {
  way w;
  CHECK(embed::block_on<int>(
            [&](embed::completion<int> done) { w.later(0.02, [done] { done(42); }); }, 5.0) == 42);
  CHECK_THROWS_WITH_AS(embed::block_on<int>(
                           [&](embed::completion<int> done) {
                             w.later(0.01, [done] {
                               done.fail(std::make_exception_ptr(std::runtime_error("refused")));
                             });
                           },
                           5.0),
                       "refused", std::runtime_error);
  CHECK_THROWS_AS(embed::block_on<void>([](embed::completion<void>) {}, 0.05),
                  eventlet::timeout_error);
  // Greenthreads run meanwhile.
  bool ran = false;
  eventlet::spawn([&] { ran = true; });
  embed::block_on<void>([&](embed::completion<void> done) { w.later(0.01, [done] { done(); }); },
                        5.0);
  CHECK(ran);
}

TEST_CASE("block_on: no timeout means no limit; a negative or NaN one is refused") {
  way w;
  auto soon = [&](embed::completion<int> done) { w.later(0.01, [done] { done(5); }); };
  CHECK(embed::block_on<int>(soon) == 5);
  CHECK(embed::block_on<int>(soon, std::nullopt) == 5);
  bool started = false;
  auto noted = [&](embed::completion<int> done) {
    started = true;
    soon(done);
  };
  CHECK_THROWS_AS(embed::block_on<int>(noted, -1), std::invalid_argument);
  CHECK_THROWS_AS(embed::block_on<int>(noted, std::numeric_limits<double>::quiet_NaN()),
                  std::invalid_argument);
  CHECK_FALSE(started);  // refused before the operation began
  std::future<int> f = std::async(std::launch::async, [] { return 1; });
  CHECK_THROWS_AS(embed::block_on(std::move(f), -0.5), std::invalid_argument);
}

TEST_CASE("block_on a future that another thread makes ready") {
  way w;
  std::future<int> f = std::async(std::launch::async, [] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return 7;
  });
  CHECK(embed::block_on(std::move(f), 5.0) == 7);
  std::future<void> bad = std::async(std::launch::async, [] { throw std::logic_error("bad"); });
  CHECK_THROWS_AS(embed::block_on(std::move(bad), 5.0), std::logic_error);
}

TEST_CASE("block_on in a loop callback is refused") {
  way w;
  w.run([&] {
    eventlet::event<std::string> refused;
    w.later(0.01, [&] {
      try {
        embed::block_on<void>(
            [&](embed::completion<void> done) { w.later(0.01, [done] { done(); }); });
        refused.send("");
      } catch (const eventlet::hubs::hub_error& e) {
        refused.send(e.what());
      }
    });
    CHECK(refused.wait().find("block_on") != std::string::npos);
    eventlet::sleep(0.05);  // the refused operation's callback runs before the loop is freed
  });
}
