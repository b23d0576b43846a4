// green tls: timeouts of recv, send, sendall and the handshake, and the handshake timeout.
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "tls_helpers.hpp"

using namespace eventlet;
using green::tls_context;
using green::tls_socket;
using green_tests::os_failure_of;
using hub_tests::hub_test;
using namespace tls_tests;

TEST_CASE_FIXTURE(hub_test, "tls: recv and handshake time out with timeout_error") {
  tls_pair p = handshaken(test_server(), trusting_client());
  p.client.set_timeout(0.05);
  CHECK(p.client.timeout() == 0.05);
  CHECK_THROWS_WITH_AS(p.client.recv(10), "recv: timed out", timeout_error);
  p.server.sendall("late");
  CHECK(p.client.recv(10) == "late");  // still usable

  auto [a, b] = green::socketpair();  // `a` never answers
  tls_socket waiting = green::wrap_tls(std::move(b), trusting_client(), "localhost");
  waiting.set_timeout(0.05);
  CHECK_THROWS_WITH_AS(waiting.handshake(), "handshake: timed out", timeout_error);

  green_tests::loopback_listener silent;  // the kernel accepts; nobody speaks TLS
  CHECK_THROWS_WITH_AS(green::connect_tls(silent.where, "localhost", trusting_client(), 0.05),
                       "handshake: timed out", timeout_error);
}

TEST_CASE_FIXTURE(hub_test,
                  "tls: a client sending a byte every 50 ms does not extend the "
                  "handshake timeout") {
  tls_context context = test_server();
  context.set_handshake_timeout(0.2);
  auto [a, b] = green::socketpair();
  tls_socket server = green::wrap_tls(std::move(a), context);
  // The header of a 16 KiB handshake record, then a byte of it every 50 ms: each wakes the
  // server, which reads it and waits for more; the whole record would take 14 minutes.
  int trickled = 0;
  bool stop = false;
  auto trickling = spawn([&, &client = b] {
    client.sendall(std::string("\x16\x03\x01\x40\x00", 5));
    while (trickled < 40) {  // 2 s at most
      eventlet::sleep(0.05);
      if (stop) break;
      client.sendall(std::string(1, '\0'));
      ++trickled;
    }
  });
  const double start = hub.clock();
  CHECK_THROWS_WITH_AS(server.handshake(), handshake_timeout_message("0.2").c_str(), timeout_error);
  const double took = hub.clock() - start;
  stop = true;
  trickling.wait();
  CHECK(took < 1.0);     // not 2 s, when the trickle stops, as a timeout of each read would
  CHECK(trickled >= 1);  // bytes came while the server waited
  CHECK(server.fileno() == -1);
}

TEST_CASE_FIXTURE(hub_test, "tls: set_handshake_timeout(nullopt) lets a silent client wait") {
  tls_context limited = test_server(), unlimited = test_server();
  limited.set_handshake_timeout(0.05);
  unlimited.set_handshake_timeout(0.05);
  unlimited.set_handshake_timeout(std::nullopt);
  CHECK_FALSE(unlimited.handshake_timeout());
  auto [a, silent_a] = green::socketpair();
  auto [b, silent_b] = green::socketpair();
  tls_socket x = green::wrap_tls(std::move(a), limited);
  tls_socket y = green::wrap_tls(std::move(b), unlimited);
  const auto failure_of = [](tls_socket& s) {
    try {
      s.handshake();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  auto limited_side = spawn([&] { return failure_of(x); });
  auto unlimited_side = spawn([&] { return failure_of(y); });
  eventlet::sleep(0.25);  // five times the limit of the other
  CHECK(limited_side.dead());
  CHECK(limited_side.wait() == handshake_timeout_message("0.05"));
  CHECK_FALSE(unlimited_side.dead());  // still waiting for its client
  CHECK(y.fileno() >= 0);
  silent_b.close();
  CHECK(unlimited_side.wait() == "handshake: the peer closed the connection during the handshake");
}

TEST_CASE_FIXTURE(hub_test,
                  "tls: the socket's timeout and the handshake timeout: the earlier one ends a "
                  "call") {
  tls_context context = test_server();
  context.set_handshake_timeout(0.1);
  const std::string expired = handshake_timeout_message("0.1");

  // A shorter socket timeout ends each call, which leaves the handshake to resume, until the
  // handshake timeout, counted from the first call, ends the handshake.
  auto [a, silent_a] = green::socketpair();
  tls_socket resumed = green::wrap_tls(std::move(a), context);
  resumed.set_timeout(0.03);
  int call_timeouts = 0;
  std::string last;
  for (int i = 0; i < 100 && last.empty(); ++i) {  // 3 s if the handshake timeout never came
    try {
      resumed.handshake();
    } catch (const timeout_error& e) {
      if (e.what() == std::string("handshake: timed out"))
        ++call_timeouts;
      else
        last = e.what();
    }
  }
  CHECK(call_timeouts >= 1);
  CHECK(last == expired);
  CHECK(resumed.fileno() == -1);

  // A longer socket timeout: the handshake timeout ends the call, and closes the connection.
  auto [b, silent_b] = green::socketpair();
  tls_socket patient = green::wrap_tls(std::move(b), context);
  patient.set_timeout(5);
  CHECK_THROWS_WITH_AS(patient.handshake(), expired.c_str(), timeout_error);
  CHECK(patient.fileno() == -1);
  silent_b.set_timeout(5);
  CHECK(silent_b.recv(1) == "");

  // A timeout of 0 never waits: the handshake timeout ends the first call made after it.
  auto [c, silent_c] = green::socketpair();
  tls_socket polled = green::wrap_tls(std::move(c), context);
  polled.set_timeout(0);
  CHECK(os_failure_of([&] { polled.handshake(); }).error == EAGAIN);
  eventlet::sleep(0.2);
  CHECK_THROWS_WITH_AS(polled.handshake(), expired.c_str(), timeout_error);
  CHECK(polled.fileno() == -1);
}

TEST_CASE_FIXTURE(hub_test,
                  "tls: an eventlet::timeout ending a handshake keeps its source and the "
                  "connection") {
  tls_context context = test_server();
  const auto source_of = [](tls_socket& s) {
    try {
      s.handshake();
    } catch (const timeout_error& e) {
      return e.source();
    }
    return std::uint64_t(-1);
  };
  auto [a, b] = green::socketpair();
  tls_socket server = green::wrap_tls(std::move(a), context);  // 60 s
  {
    eventlet::timeout outer(0.05);
    CHECK(source_of(server) == outer.id());
  }
  CHECK(server.fileno() >= 0);
  tls_socket client = green::wrap_tls(std::move(b), trusting_client(), "localhost");
  auto server_side = spawn([&] { server.handshake(); });  // it resumes
  client.handshake();
  server_side.wait();
  client.sendall("after all");
  CHECK(server.recv(10) == "after all");

  // A handshake timeout that ends first is the handshake's own timeout_error.
  context.set_handshake_timeout(0.05);
  auto [c, silent] = green::socketpair();
  tls_socket limited = green::wrap_tls(std::move(c), context);
  eventlet::timeout outer(5);
  CHECK_THROWS_WITH_AS(limited.handshake(), handshake_timeout_message("0.05").c_str(),
                       timeout_error);
  CHECK(outer.pending());
}

TEST_CASE_FIXTURE(hub_test,
                  "tls: the handshake timeout is 60 s for a server, none for a client; bad "
                  "values are refused") {
  tls_context server = test_server();
  CHECK(server.handshake_timeout() == 60.0);
  const tls_context copy = server;
  server.set_handshake_timeout(2.5);
  CHECK(copy.handshake_timeout() == 2.5);  // copies share it
  for (const double bad : {-1.0, 0.0, std::nan("")}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(server.set_handshake_timeout(bad),
                         "tls_context::set_handshake_timeout: the timeout must be > 0 seconds, "
                         "or nullopt for no limit",
                         std::invalid_argument);
  }
  CHECK(server.handshake_timeout() == 2.5);  // unchanged
  server.set_handshake_timeout(HUGE_VAL);
  CHECK_FALSE(server.handshake_timeout());  // infinity is no limit

  CHECK_FALSE(default_client().handshake_timeout());
  tls_context client = tls_context::client();  // bounded if asked, as a server is
  client.set_verify(false);
  client.set_handshake_timeout(0.05);
  auto [a, silent] = green::socketpair();
  tls_socket s = green::wrap_tls(std::move(a), client);
  CHECK_THROWS_WITH_AS(s.handshake(), handshake_timeout_message("0.05").c_str(), timeout_error);
}

TEST_CASE_FIXTURE(hub_test,
                  "tls: the timeout bounds a whole sendall; what it encrypted goes next") {
  tls_pair p = handshaken(test_server(), trusting_client());
  p.client.set_timeout(0.05);
  const std::string big(8 << 20, 'x');  // more than the socket buffers hold
  CHECK_THROWS_WITH_AS(p.client.sendall(big), "sendall: timed out", timeout_error);
  // The server reads everything; then the next send follows what was sent before it.
  auto draining = spawn([&] {
    std::size_t got = 0;
    for (std::string part; !(part = p.server.recv(1 << 16)).empty();) {
      if (part == "tail") return got;
      got += part.size();
    }
    return std::size_t(0);
  });
  p.client.set_timeout(std::nullopt);
  p.client.sendall("tail");
  const std::size_t before_tail = draining.wait();
  CHECK(before_tail > 0);
  CHECK(before_tail <= big.size());
  CHECK(before_tail % 16384 == 0);  // whole records of what sendall took before timing out
}

TEST_CASE_FIXTURE(hub_test,
                  "tls: with timeout 0 send never waits; what it encrypted goes before more") {
  tls_pair p = handshaken(test_server(), trusting_client());
  p.client.set_timeout(0);
  const std::string record(16384, 'z');
  std::size_t taken = 0;
  for (;;) {
    try {
      taken += p.client.send(record);
    } catch (const std::system_error& e) {  // the peer reads nothing: buffers fill up
      CHECK(e.code().value() == EAGAIN);
      CHECK(std::string(e.what()).starts_with("send"));
      break;
    }
  }
  CHECK(taken > 0);
  p.server.set_timeout(10);  // fails, rather than hangs, if bytes stay behind
  auto reading = spawn([&] {
    std::size_t got = 0;
    while (got < taken) got += p.server.recv(1 << 16).size();
    return got;
  });
  p.client.set_timeout(std::nullopt);
  p.client.sendall("");            // what the kernel could not take yet
  CHECK(reading.wait() == taken);  // exactly what send() said it took
}
