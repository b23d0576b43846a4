// channel<T>: send and receive meet, in the order they came; balance; timeouts; killed
// receivers; thread rules.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/channel.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "channel: send blocks until a receiver takes the item") {
  channel<std::string> ch;
  bool sent = false;
  auto sender = spawn([&] {
    ch.send("hello");
    sent = true;
  });
  eventlet::sleep(0);
  eventlet::sleep(0);
  CHECK_FALSE(sent);
  CHECK(ch.receive() == "hello");
  sender.wait();
  CHECK(sent);
}

TEST_CASE_FIXTURE(hub_test, "channel: receive blocks until a sender sends") {
  channel<int> ch;
  auto receiver = spawn([&] { return ch.receive(); });
  eventlet::sleep(0);
  CHECK_FALSE(receiver.dead());
  ch.send(42);
  CHECK(receiver.wait() == 42);
}

TEST_CASE_FIXTURE(hub_test, "channel: senders and receivers are served in the order they came") {
  channel<int> ch;
  std::vector<greenthread<void>> senders;
  for (int i = 0; i < 3; ++i) senders.push_back(spawn([&ch, i] { ch.send(i); }));
  eventlet::sleep(0);
  std::vector<int> got;
  for (int i = 0; i < 3; ++i) got.push_back(ch.receive());
  CHECK(got == std::vector<int>{0, 1, 2});
  for (auto& s : senders) s.wait();

  std::vector<std::pair<int, int>> received;  // (receiver, item)
  std::vector<greenthread<void>> receivers;
  for (int i = 0; i < 3; ++i)
    receivers.push_back(spawn([&, i] { received.emplace_back(i, ch.receive()); }));
  eventlet::sleep(0);
  for (int i = 0; i < 3; ++i) ch.send(10 + i);
  for (auto& r : receivers) r.wait();
  CHECK(received == std::vector<std::pair<int, int>>{{0, 10}, {1, 11}, {2, 12}});
}

TEST_CASE_FIXTURE(hub_test, "channel: balance is waiting senders minus waiting receivers") {
  channel<int> ch;
  CHECK(ch.balance() == 0);
  std::vector<greenthread<void>> senders;
  for (int i = 0; i < 2; ++i) senders.push_back(spawn([&] { ch.send(1); }));
  eventlet::sleep(0);
  CHECK(ch.balance() == 2);
  ch.receive();
  CHECK(ch.balance() == 1);
  ch.receive();
  CHECK(ch.balance() == 0);
  for (auto& s : senders) s.wait();

  std::vector<greenthread<int>> receivers;
  for (int i = 0; i < 3; ++i) receivers.push_back(spawn([&] { return ch.receive(); }));
  eventlet::sleep(0);
  CHECK(ch.balance() == -3);
  for (int i = 0; i < 3; ++i) ch.send(i);
  CHECK(ch.balance() == 0);
  for (auto& r : receivers) r.wait();
}

TEST_CASE_FIXTURE(hub_test, "channel: send and receive with a timeout throw when nobody comes") {
  channel<int> ch;
  double start = hubs::hub::clock();
  CHECK_THROWS_AS(ch.send(1, 0.02), queue_full);
  CHECK(hubs::hub::clock() - start >= 0.02);
  start = hubs::hub::clock();
  CHECK_THROWS_AS(ch.receive(0.02), queue_empty);
  CHECK(hubs::hub::clock() - start >= 0.02);
  CHECK(ch.balance() == 0);
  CHECK_THROWS_AS(ch.receive(-1), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "channel: send and receive with a timeout succeed when met in time") {
  channel<int> ch;
  auto receiver = spawn_after(0.01, [&] { return ch.receive(); });
  ch.send(5, 1.0);
  CHECK(receiver.wait() == 5);
  auto sender = spawn_after(0.01, [&] { ch.send(6); });
  CHECK(ch.receive(1.0) == 6);
  sender.wait();
}

TEST_CASE_FIXTURE(hub_test,
                  "channel: a receiver killed after it was handed an item loses nothing") {
  channel<int> ch;
  auto a = spawn([&] { return ch.receive(); });
  eventlet::sleep(0);
  ch.send(1);  // handed to a, which has not run yet
  a.kill();
  CHECK_THROWS_AS(a.wait(), greenlet_exit);
  CHECK(ch.balance() == 1);  // the item waits for the next receiver
  CHECK(ch.receive() == 1);
  CHECK(ch.balance() == 0);
}

TEST_CASE_FIXTURE(hub_test, "channel: use from another thread is refused") {
  channel<int> ch;
  std::string refused;
  std::thread([&] {
    try {
      ch.send(1, 0.0);
    } catch (const hubs::hub_error& e) {
      refused = e.what();
    }
  }).join();
  CHECK(refused.find("another thread") != std::string::npos);
  CHECK(ch.balance() == 0);
}
