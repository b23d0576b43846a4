// smp::channel: producers on other hubs and plain threads, bounds, timeouts, close, the wrong
// thread, and a killed sender that must not swallow a wake-up.
#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/greenthread.hpp"
#include "smp/channel.hpp"
#include "smp/group.hpp"

using namespace eventlet;
using hub_tests::hub_test;

namespace {
constexpr int senders = 3, each = 2000;
}  // namespace

TEST_CASE_FIXTURE(hub_test, "values from many threads all arrive, in order per sender") {
  smp::channel<std::pair<int, int>> ch(16);
  smp::group g(senders, [ch](int index) mutable {
    for (int i = 0; i < each; ++i) ch.send(std::pair{index, i});
  });
  std::thread plain([ch]() mutable {  // a thread without a hub of its own yet
    for (int i = 0; i < each; ++i) ch.send(std::pair{senders, i});
  });
  std::vector<int> next(senders + 1, 0);
  for (int n = 0; n < (senders + 1) * each; ++n) {
    const auto [who, i] = ch.receive();
    REQUIRE(i == next[static_cast<std::size_t>(who)]);
    ++next[static_cast<std::size_t>(who)];
  }
  plain.join();
  g.join();
  CHECK(ch.size() == 0);
}

TEST_CASE_FIXTURE(hub_test, "a full channel blocks its sender until a receiver makes room") {
  smp::channel<int> ch(2);
  std::atomic<int> sent{0};
  smp::group g(1, [ch, &sent](int) mutable {
    for (int i = 0; i < 5; ++i) {
      ch.send(i);
      ++sent;
    }
  });
  while (sent < 2) eventlet::sleep(0.001);
  eventlet::sleep(0.05);
  CHECK(sent == 2);  // the third waits for room
  CHECK(ch.size() == 2);
  for (int i = 0; i < 5; ++i) CHECK(ch.receive() == i);
  g.join();
  CHECK(sent == 5);
}

TEST_CASE_FIXTURE(hub_test, "try_send() on a full channel leaves the value with the caller") {
  smp::channel<std::unique_ptr<int>> ch(1);
  CHECK(ch.try_send(std::make_unique<int>(1)));
  auto value = std::make_unique<int>(2);
  CHECK_FALSE(ch.try_send(std::move(value)));
  REQUIRE(value);
  CHECK(*value == 2);
  CHECK_FALSE(ch.try_send(std::move(value), 0.01));
  REQUIRE(value);
  CHECK_THROWS_AS(ch.send(std::move(value), 0.01), timeout_error);
  REQUIRE(value);
  CHECK(*ch.receive() == 1);
  CHECK(ch.try_send(std::move(value)));
  CHECK_FALSE(value);
}

TEST_CASE_FIXTURE(hub_test, "receive timeouts throw; try_receive returns nothing") {
  smp::channel<int> ch(4);
  CHECK_FALSE(ch.try_receive());
  CHECK_FALSE(ch.try_receive(0.01));
  CHECK_THROWS_AS(ch.receive(0.01), timeout_error);
  CHECK_THROWS_AS(ch.receive(-1), std::invalid_argument);
  CHECK_THROWS_AS(ch.try_receive(std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(smp::channel<int>(0), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test,
                  "a receiver sleeps on its hub and wakes for a value from another thread") {
  smp::channel<int> ch(4);
  int ticks = 0;
  auto ticker = spawn([&] {
    for (;;) {
      ++ticks;
      eventlet::sleep(0.005);
    }
  });
  std::thread t([ch]() mutable {
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    ch.send(7);
  });
  CHECK(ch.receive(5) == 7);
  CHECK(ticks >= 3);
  t.join();
  ticker.kill();
}

TEST_CASE_FIXTURE(hub_test, "close() wakes blocked senders and, once drained, receivers") {
  smp::channel<int> ch(1);
  ch.send(1);
  std::atomic<bool> refused{false};
  smp::group g(1, [ch, &refused](int) mutable {
    try {
      ch.send(2);  // blocks: full
    } catch (const smp::channel_closed&) {
      refused = true;
    }
  });
  eventlet::sleep(0.05);
  ch.close();
  g.join();
  CHECK(refused);
  CHECK(ch.closed());
  CHECK(ch.receive() == 1);  // what was in it is still received
  CHECK_THROWS_AS(ch.receive(), smp::channel_closed);
  CHECK_THROWS_AS(ch.send(3), smp::channel_closed);

  smp::channel<int> empty(1);
  auto receiver = spawn([&] {
    try {
      empty.receive();
    } catch (const smp::channel_closed&) {
      return true;
    }
    return false;
  });
  eventlet::sleep(0.01);
  std::thread([empty]() mutable { empty.close(); }).join();
  CHECK(receiver.wait());
}

TEST_CASE_FIXTURE(hub_test, "receiving on another thread than the owner's is refused") {
  smp::channel<int> ch(1);
  std::atomic<bool> refused{false};
  smp::run(1, [ch, &refused](int) mutable {
    try {
      ch.try_receive();
    } catch (const hubs::hub_error&) {
      refused = true;
    }
  });
  CHECK(refused);
}

TEST_CASE_FIXTURE(hub_test, "a killed blocked sender passes its wake-up on") {
  smp::channel<int> ch(1);
  ch.send(0);
  // Two blocked senders on this hub; the first is killed after the receiver woke it.
  auto first = spawn([&] { ch.send(1); });
  auto second = spawn([&] { ch.send(2); });
  eventlet::sleep(0.01);
  CHECK(ch.receive() == 0);   // wakes `first` (its token is on its way)
  first.kill();               // before it could use the room
  CHECK(ch.receive(5) == 2);  // `second` got the room instead
  second.wait();
}
