// resolve(): names through getaddrinfo on the thread pool, numeric hosts, and dns_error. The
// tests use /etc/hosts and names that cannot exist only: they pass offline.
#include <netdb.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "green/dns.hpp"
#include "helpers.hpp"

using namespace eventlet;
using green::address;
using green_tests::loopback_listener;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "dns: localhost resolves to a loopback address with the port") {
  const std::vector<address> found = green::resolve("localhost", 8080);
  REQUIRE_FALSE(found.empty());
  for (const address& a : found) {
    CHECK(a.port() == 8080);
    CHECK((a.host().starts_with("127.") || a.host() == "::1"));
  }
}

TEST_CASE_FIXTURE(hub_test, "dns: a name that cannot exist is a dns_error saying not found") {
  try {
    green::resolve("no-such-host.invalid", 80);
    FAIL("no-such-host.invalid resolved");
  } catch (const green::dns_error& e) {
    if (e.temporary()) {
      MESSAGE("the name server did not answer, so not-found could not be checked: ", e.what());
      return;
    }
    CHECK(e.not_found());
    CHECK_FALSE(e.temporary());
    CHECK(std::string(e.what()).starts_with("resolve(\"no-such-host.invalid\"): "));
  }
}

TEST_CASE_FIXTURE(hub_test, "dns: dns_error tells not found from temporary failures and others") {
  CHECK(green::dns_error(EAI_NONAME, "x").not_found());
  CHECK(green::dns_error(EAI_AGAIN, "x").temporary());
  CHECK_FALSE(green::dns_error(EAI_AGAIN, "x").not_found());
  const green::dns_error other(EAI_FAIL, "x");
  CHECK_FALSE(other.not_found());
  CHECK_FALSE(other.temporary());
  CHECK(other.code() == EAI_FAIL);
}

TEST_CASE_FIXTURE(hub_test, "dns: a numeric host comes back as it is, in the family asked for") {
  CHECK(green::resolve("127.0.0.1", 7) == std::vector<address>{address("127.0.0.1", 7)});
  CHECK(green::resolve("::1", 7, AF_INET6) == std::vector<address>{address("::1", 7)});
  CHECK_THROWS_AS(green::resolve("127.0.0.1", 7, AF_INET6), green::dns_error);
}

TEST_CASE_FIXTURE(hub_test, "dns: a resolved address connects") {
  loopback_listener server;
  const auto found = green::resolve("localhost", server.where.port(), AF_INET);
  REQUIRE_FALSE(found.empty());
  auto accepted = spawn([&] { return server.socket.accept().first.recv(10); });
  green::socket client = green::connect(found.front());
  client.sendall("by name");
  CHECK(accepted.wait() == "by name");
}

TEST_CASE_FIXTURE(hub_test, "dns: other greenthreads run while a lookup waits on the pool") {
  int ticks = 0;
  auto ticker = spawn([&] {
    for (int i = 0; i < 3; ++i, ++ticks) eventlet::sleep(0);
  });
  green::resolve("localhost", 1);  // suspends this greenthread at least once
  ticker.wait();
  CHECK(ticks == 3);
}

TEST_CASE_FIXTURE(hub_test, "dns: bad input is a clear error") {
  CHECK_THROWS_WITH_AS(green::resolve("", 80), "resolve: the host name is empty",
                       std::invalid_argument);
  CHECK_THROWS_AS(green::resolve(std::string("a\0b", 3), 80), std::invalid_argument);
  CHECK_THROWS_AS(green::resolve("localhost", 70000), std::invalid_argument);
  CHECK_THROWS_WITH_AS(green::resolve("localhost", 80, AF_UNIX),
                       "resolve: the family must be AF_UNSPEC, AF_INET or AF_INET6",
                       std::invalid_argument);
}
