// smp::server: SO_REUSEPORT listeners on every thread, the spread of connections, stopping
// with and without grace, a handler's stop_serve, and bind failures.
#include <atomic>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/greenthread.hpp"
#include "green/net.hpp"
#include "smp/server.hpp"

using namespace eventlet;
using hub_tests::hub_test;

namespace {

void echo(green::socket connection, green::address) {
  char buffer[512];
  while (const std::size_t n = connection.recv_into(buffer)) connection.sendall({buffer, n});
}

std::string round_trip(green::socket& s, const std::string& text) {
  s.sendall(text);
  std::string reply;
  while (reply.size() < text.size()) {
    const std::string part = s.recv(4096);
    if (part.empty()) break;
    reply += part;
  }
  return reply;
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "connections spread over the threads, each served where accepted") {
  smp::server s({"127.0.0.1", 0}, echo, {.threads = 2});
  CHECK(s.threads() == 2);
  REQUIRE(s.address().port() != 0);
  std::vector<green::socket> clients;
  for (int i = 0; i < 64; ++i) {
    clients.push_back(green::connect(s.address()));
    CHECK(round_trip(clients.back(), "ping " + std::to_string(i)) == "ping " + std::to_string(i));
  }
  CHECK(s.accepted(0) + s.accepted(1) == 64);
  // The kernel hashes each connection to a listener: with 64, both get some.
  CHECK(s.accepted(0) > 0);
  CHECK(s.accepted(1) > 0);
  clients.clear();
  s.stop(1);
}

TEST_CASE_FIXTURE(hub_test, "stop(grace) lets a connection in progress finish") {
  std::atomic<bool> finished{false};
  smp::server s({"127.0.0.1", 0},
                [&](green::socket c, green::address) {
                  const std::string request = c.recv(100);
                  eventlet::sleep(0.1);  // still working when stop() comes
                  c.sendall("done:" + request);
                  finished = true;
                },
                {.threads = 2});
  green::socket client = green::connect(s.address());
  client.sendall("job");
  while (s.accepted(0) + s.accepted(1) == 0) eventlet::sleep(0.001);
  eventlet::sleep(0.01);
  auto stopper = spawn([&] { s.stop(5); });
  CHECK(client.recv(100) == "done:job");
  stopper.wait();
  CHECK(finished);
  // Stopped: nothing listens any more.
  CHECK_THROWS_AS(green::connect(s.address()), std::system_error);
}

TEST_CASE_FIXTURE(hub_test, "stop(0) kills the connections left, unwinding them") {
  std::atomic<int> unwound{0};
  smp::server s({"127.0.0.1", 0},
                [&](green::socket c, green::address) {
                  struct guard {
                    std::atomic<int>& n;
                    ~guard() { ++n; }
                  } g{unwound};
                  c.recv(100);  // waits for ever
                },
                {.threads = 2});
  std::vector<green::socket> clients;
  for (int i = 0; i < 8; ++i) clients.push_back(green::connect(s.address()));
  while (s.accepted(0) + s.accepted(1) < 8) eventlet::sleep(0.001);
  s.stop();
  CHECK(unwound == 8);
  for (auto& c : clients) CHECK(c.recv(10).empty());  // closed by the server
}

TEST_CASE_FIXTURE(hub_test, "a handler's stop_serve stops every thread") {
  smp::server s({"127.0.0.1", 0},
                [](green::socket c, green::address) {
                  if (c.recv(10) == "stop") throw green::stop_serve();
                },
                {.threads = 3});
  green::socket client = green::connect(s.address());
  client.sendall("stop");
  s.wait();
  CHECK_THROWS_AS(green::connect(s.address()), std::system_error);
}

TEST_CASE_FIXTURE(hub_test, "a taken address fails in the constructor, leaving no thread") {
  green::socket taken = green::listen({"127.0.0.1", 0});  // without SO_REUSEPORT
  try {
    smp::server s(taken.getsockname(), echo, {.threads = 2});
    FAIL("bound an address in use");
  } catch (const std::system_error& e) {
    CHECK(e.code().value() == EADDRINUSE);
  }
  CHECK_THROWS_AS(smp::server({"127.0.0.1", 0}, nullptr), std::invalid_argument);
  CHECK_THROWS_AS(smp::server({"127.0.0.1", 0}, echo, {.threads = -1}), std::invalid_argument);
  CHECK_THROWS_AS(smp::server({"127.0.0.1", 0}, echo, {.concurrency = 0}), std::invalid_argument);
  smp::server s({"127.0.0.1", 0}, echo, {.threads = 1});
  CHECK_THROWS_AS(s.stop(-1), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "smp::serve() serves until a handler's stop_serve, then returns") {
  std::uint16_t port = 0;
  {
    green::socket probe = green::listen({"127.0.0.1", 0});  // a port nobody else has now
    port = probe.getsockname().port();
  }
  std::atomic<int> served{0};
  auto server = spawn([&] {
    smp::serve({"127.0.0.1", port},
               [&](green::socket c, green::address) {
                 const std::string request = c.recv(10);
                 if (request == "stop") throw green::stop_serve();
                 ++served;
                 c.sendall(request);
               },
               {.threads = 2});
  });
  green::socket client;
  for (int tries = 0;; ++tries) {  // until the threads listen
    try {
      client = green::connect({"127.0.0.1", port});
      break;
    } catch (const std::system_error&) {
      REQUIRE(tries < 200);
      eventlet::sleep(0.01);
    }
  }
  CHECK(round_trip(client, "ping") == "ping");
  CHECK_FALSE(server.dead());
  green::socket stopper = green::connect({"127.0.0.1", port});
  stopper.sendall("stop");
  server.wait();  // serve() returned
  CHECK(served == 1);
  CHECK_THROWS_AS(green::connect({"127.0.0.1", port}), std::system_error);
}
