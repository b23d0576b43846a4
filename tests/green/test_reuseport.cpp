// take_over_reuseport: the new listener of a SO_REUSEPORT group gets every new connection, the
// old one's queue can still be accepted before it closes, and without it the kernel resets
// what a closed listener held.
#include <cerrno>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "green/reuseport.hpp"
#include "helpers.hpp"

using namespace eventlet;
using green_tests::os_failure_of;
using hub_tests::hub_test;

namespace {

// Two listeners on one loopback port with SO_REUSEPORT, `old_one` first.
struct group {
  green::socket old_one = green::listen({"127.0.0.1", 0}, 512, true);
  green::address where = old_one.getsockname();
  green::socket new_one = green::listen(where, 512, true);
};

// connect_many() makes `n` connections to `where` (each in some listener's queue then).
std::vector<green::socket> connect_many(const green::address& where, int n) {
  std::vector<green::socket> clients;
  for (int i = 0; i < n; ++i) clients.push_back(green::connect(where));
  return clients;
}

// queued() accepts, without waiting, what `listener` holds and returns how many that was.
int queued(green::socket& listener) {
  listener.set_timeout(0);
  int n = 0;
  while (os_failure_of([&] { listener.accept(); }).error == 0) ++n;
  return n;
}

// migrate_req() is net.ipv4.tcp_migrate_req here (0 when the kernel has none).
int migrate_req() {
  std::ifstream f("/proc/sys/net/ipv4/tcp_migrate_req");
  int value = 0;
  f >> value;
  return value;
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "take_over_reuseport: the new listener gets every new connection") {
  group g;
  green::take_over_reuseport(g.new_one);
  std::vector<green::socket> clients = connect_many(g.where, 40);
  sleep(0.05);  // a guard: the handshakes are done on loopback when connect returns
  CHECK(queued(g.old_one) == 0);
  CHECK(queued(g.new_one) == 40);
  // The old one closes: the program's index is past the group's end, the kernel spreads by
  // its hash again over what is left, the new one.
  g.old_one.close();
  clients = connect_many(g.where, 10);
  sleep(0.05);
  CHECK(queued(g.new_one) == 10);
}

TEST_CASE_FIXTURE(hub_test, "without take_over_reuseport the kernel spreads the connections") {
  group g;
  std::vector<green::socket> clients = connect_many(g.where, 40);
  sleep(0.05);
  const int old_share = queued(g.old_one);
  CHECK(old_share > 0);  // 40 connections all hashed to one socket: a chance of 2^-39
  CHECK(queued(g.new_one) == 40 - old_share);
}

TEST_CASE_FIXTURE(hub_test, "take_over_reuseport loses nothing that the old listener had queued") {
  group g;
  std::vector<green::socket> clients = connect_many(g.where, 40);
  green::take_over_reuseport(g.new_one);
  std::vector<green::socket> later = connect_many(g.where, 40);
  sleep(0.05);
  // The old one accepts what it still holds, then closes: each of its connections answers.
  std::vector<green::socket> served;
  g.old_one.set_timeout(0);
  while (true) {
    try {
      served.push_back(g.old_one.accept().first);
    } catch (const std::system_error& e) {
      REQUIRE(e.code().value() == EAGAIN);
      break;
    }
  }
  CHECK(!served.empty());
  g.old_one.close();
  CHECK(queued(g.new_one) == 80 - static_cast<int>(served.size()));
  for (green::socket& s : served) s.sendall("x");
  int answered = 0;
  for (green::socket& c : clients) {
    c.set_timeout(0);
    answered += os_failure_of([&] { c.recv(1); }).error != ECONNRESET;
  }
  CHECK(answered == 40);
}

TEST_CASE_FIXTURE(hub_test, "the kernel resets what a closed SO_REUSEPORT listener had queued") {
  if (migrate_req() != 0) {
    MESSAGE("net.ipv4.tcp_migrate_req is set here: the kernel moves the queue, nothing to see");
    return;
  }
  group g;
  std::vector<green::socket> clients = connect_many(g.where, 40);
  sleep(0.05);
  g.old_one.close();  // without accepting what it held
  int reset = 0;
  for (green::socket& c : clients) {
    c.set_timeout(0);  // the reset came with the close; the others have nothing to read
    reset += os_failure_of([&] { c.recv(1); }).error == ECONNRESET;
  }
  CHECK(reset > 0);
  CHECK(reset + queued(g.new_one) == 40);
}

TEST_CASE_FIXTURE(hub_test,
                  "take_over_reuseport refuses a socket that is no SO_REUSEPORT listener") {
  green::socket plain = green::listen({"127.0.0.1", 0});
  CHECK_THROWS_AS(green::take_over_reuseport(plain), std::invalid_argument);
  green::socket unbound(AF_INET, SOCK_STREAM);
  unbound.set_reuse_port(true);
  CHECK_THROWS_AS(green::take_over_reuseport(unbound), std::invalid_argument);
  green::socket closed;
  CHECK_THROWS_AS(green::take_over_reuseport(closed), std::system_error);
}
