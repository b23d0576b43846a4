// Connecting by host name and connect_any(): RFC 8305's order (families interleaved), the
// 250 ms stagger past an address that never answers, the first success winning, every
// attempt failing (the last error), timeouts, and TLS by host name (SNI and verification).
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "coros/greenthread.hpp"
#include "green/dns.hpp"
#include "helpers.hpp"
#include "tls_helpers.hpp"

using namespace eventlet;
using green_tests::os_failure_of;
using hub_tests::hub_test;

namespace {

// A listener whose accept queue is full, which drops further SYNs: a connection to it never
// completes, like one to a host that does not answer. The connections that filled it are
// kept open.
struct blackhole {
  green::socket socket = green::listen({"127.0.0.1", 0}, 0);
  green::address where = socket.getsockname();
  std::vector<green::socket> fillers;
  blackhole() {
    for (int i = 0; i < 16; ++i) {
      try {
        fillers.push_back(green::connect(where, 0.1));
      } catch (const timeout_error&) {
        return;  // full
      }
    }
    FAIL("the accept queue of a backlog-0 listener never filled");
  }
};

// A port nothing listens on, on `host`.
green::address closed_port(const char* host) {
  green::socket s = green::listen({host, 0});
  return s.getsockname();  // closed when `s` goes
}

int peer_port(const green::socket& s) { return s.getpeername().port(); }

}  // namespace

TEST_CASE_FIXTURE(hub_test, "connect: by host name, and by numeric address as a name") {
  green_tests::loopback_listener v4;
  green::socket v6 = green::listen({"::1", 0});
  CHECK(peer_port(green::connect("localhost", v4.where.port(), 5.0)) == v4.where.port());
  CHECK(peer_port(green::connect(std::string("127.0.0.1"), v4.where.port())) == v4.where.port());
  const int port6 = v6.getsockname().port();
  CHECK(green::connect("::1", port6, 5.0).getpeername().family() == AF_INET6);
  CHECK_THROWS_AS(green::connect("", 80), std::invalid_argument);
  CHECK_THROWS_AS(green::connect("localhost", 80, std::nan("")), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "connect_any: the listener on one family only is found") {
  green_tests::loopback_listener v4;
  green::socket v6 = green::listen({"::1", 0});
  const int p4 = v4.where.port(), p6 = v6.getsockname().port();
  // IPv6 first, refused on ::1 at once: IPv4 next, without waiting for the stagger.
  green::socket a = green::connect_any({{"::1", p4}, {"127.0.0.1", p4}}, 5.0);
  CHECK(a.getpeername().family() == AF_INET);
  green::socket b = green::connect_any({{"127.0.0.1", p6}, {"::1", p6}}, 5.0);
  CHECK(b.getpeername().family() == AF_INET6);
}

TEST_CASE_FIXTURE(hub_test, "connect_any: families are interleaved from the first one's on") {
  green_tests::loopback_listener v4;
  green::socket v6 = green::listen({"::1", 0});
  // Given order: refused v4, good v4, good v6. RFC 8305's order tries the v6 one second.
  green::socket s = green::connect_any(
      {closed_port("127.0.0.1"), v4.where, {"::1", v6.getsockname().port()}}, 5.0);
  CHECK(s.getpeername().family() == AF_INET6);
}

TEST_CASE_FIXTURE(hub_test, "connect_any: past an address that never answers after the stagger") {
  blackhole silent;
  green_tests::loopback_listener good;
  const double start = hubs::hub::clock();
  green::socket s = green::connect_any({silent.where, good.where}, 10.0);
  const double took = hubs::hub::clock() - start;
  CHECK(peer_port(s) == good.where.port());
  CHECK(took >= 0.2);  // the second attempt waited for the stagger
  MESSAGE("connected past a silent address in " << took << " s (stagger 0.25 s)");
}

TEST_CASE_FIXTURE(hub_test, "connect_any: every attempt failing is the last error; timeouts") {
  const auto f = os_failure_of([] {
    green::connect_any({closed_port("::1"), closed_port("127.0.0.1")}, 5.0);
  });
  CHECK(f.error == ECONNREFUSED);
  blackhole silent;
  CHECK_THROWS_AS(green::connect_any({silent.where}, 0.1), timeout_error);
  CHECK_THROWS_AS(green::connect_any({}), std::invalid_argument);
  CHECK_THROWS_AS(green::connect_any({silent.where}, -1.0), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "connect_tls: by host name, which is the SNI and what is verified") {
  green_tests::loopback_listener listener;
  const green::tls_context server_context = tls_tests::test_server();
  auto server = spawn([&] {
    green::tls_socket s = green::wrap_tls(listener.socket.accept().first, server_context);
    s.handshake();
    std::string name = s.server_name();
    s.sendall("hi");
    return name;
  });
  green::tls_socket c =
      green::connect_tls("localhost", listener.where.port(), tls_tests::trusting_client(), 5.0);
  CHECK(c.recv(10) == "hi");
  CHECK(server.wait() == "localhost");
  // The default context trusts the system's CAs only, which do not know the test CA.
  auto refused = spawn([&] {
    try {
      green::wrap_tls(listener.socket.accept().first, server_context).handshake();
    } catch (const std::exception&) {
    }
  });
  CHECK_THROWS_AS(green::connect_tls("localhost", listener.where.port(), 5.0), green::tls_error);
  refused.wait();
}
