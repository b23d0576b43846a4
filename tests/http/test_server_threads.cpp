// http::smp_server and serve(address, ..., threads): the server on several threads, each with
// its own listener; connections spread, graceful stop, the function form killed, bad input.
#include <atomic>
#include <cstdint>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "http/smp_server.hpp"
#include "server_support.hpp"

using namespace eventlet;
using hub_tests::hub_test;
using server_tests::quick_options;
using server_tests::raw_client;
using server_tests::round_trip;

namespace {

// The handler names the thread that serves the request.
void which_thread(http::request&, http::response& res) {
  res.send(std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id())));
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "smp_server: connections spread over the threads") {
  http::smp_server s({"127.0.0.1", 0}, which_thread, quick_options(), 2);
  CHECK(s.threads() == 2);
  REQUIRE(s.address().port() != 0);
  std::set<std::string> threads;
  for (int i = 0; i < 64; ++i) {
    const auto r = round_trip(s.address(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(r.status == 200);
    threads.insert(r.body);
  }
  // The kernel hashes each connection to a listener: with 64, both threads serve some, and
  // neither is the test's own.
  CHECK(threads.size() == 2);
  CHECK(threads.count(std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id()))) ==
        0);
  s.stop(1);
  CHECK_THROWS_AS(green::connect(s.address()), std::system_error);
}

TEST_CASE_FIXTURE(hub_test, "smp_server: stop(grace) lets a request in flight finish") {
  std::atomic<int> entered{0};
  http::smp_server s(
      {"127.0.0.1", 0},
      [&entered](http::request&, http::response& res) {
        ++entered;
        eventlet::sleep(0.2);  // still working when stop() comes
        res.send("finished");
      },
      quick_options(), 2);
  raw_client busy(s.address());
  busy.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  while (entered.load() == 0) eventlet::sleep(0.005);
  auto stopping = spawn([&s] { s.stop(10); });
  const auto r = busy.response();
  CHECK(r.status == 200);
  CHECK(r.body == "finished");
  CHECK_FALSE(r.keep_alive);  // the server is shutting down
  stopping.wait();
}

TEST_CASE_FIXTURE(hub_test, "smp_server: stop(0) ends a request in flight at once") {
  std::atomic<int> entered{0};
  http::smp_server s(
      {"127.0.0.1", 0},
      [&entered](http::request&, http::response& res) {
        ++entered;
        eventlet::sleep(30);
        res.send("never");
      },
      quick_options(), 2);
  raw_client busy(s.address());
  busy.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  while (entered.load() == 0) eventlet::sleep(0.005);
  const double start = hubs::hub::clock();
  s.stop(0);
  CHECK(hubs::hub::clock() - start < 10);  // not the handler's 30 s: a hang guard
  CHECK(busy.closed());
}

TEST_CASE_FIXTURE(hub_test, "http::serve on threads ends when its greenthread is killed") {
  green::socket probe = green::listen({"127.0.0.1", 0});
  const green::address where = probe.getsockname();
  probe.close();
  auto serving = spawn([where] { http::serve(where, which_thread, quick_options(), 2); });
  int status = 0;
  for (int tries = 0; status == 0; ++tries) {  // until the threads listen
    try {
      status = round_trip(where, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").status;
    } catch (const std::system_error&) {
      REQUIRE(tries < 1000);
      eventlet::sleep(0.005);
    }
  }
  CHECK(status == 200);
  serving.kill();
  CHECK(serving.dead());
  CHECK_THROWS_AS(green::connect(where), std::system_error);
}

TEST_CASE_FIXTURE(hub_test, "smp_server: bad input and a taken address leave no thread") {
  green::socket taken = green::listen({"127.0.0.1", 0});  // without SO_REUSEPORT
  try {
    http::smp_server s(taken.getsockname(), which_thread, quick_options(), 2);
    FAIL("bound an address in use");
  } catch (const std::system_error& e) {
    CHECK(e.code().value() == EADDRINUSE);
  }
  CHECK_THROWS_AS(http::smp_server({"127.0.0.1", 0}, nullptr), std::invalid_argument);
  CHECK_THROWS_AS(http::smp_server({"127.0.0.1", 0}, which_thread, {}, -1), std::invalid_argument);
  CHECK_THROWS_AS(http::smp_server({"127.0.0.1", 0}, which_thread, {}, 1, 0),
                  std::invalid_argument);
  http::server_options zero = quick_options();
  zero.max_connections = 0;
  CHECK_THROWS_AS(http::smp_server({"127.0.0.1", 0}, which_thread, zero, 2), std::invalid_argument);
  http::smp_server s({"127.0.0.1", 0}, which_thread, quick_options(), 1);
  CHECK_THROWS_AS(s.stop(-1), std::invalid_argument);
}
