// Never an exception through C frames: a greenthread killed or timed out inside an interposed
// call gets EINTR, then the exception at its next entry to the hub; meanwhile a call that would
// wait fails at once with ECANCELED (a library that retries on EINTR does not spin).
#include <poll.h>

#include "coros/timeout.hpp"
#include "helpers.hpp"
#include "hubs/deferred.hpp"

using hub_tests::hub_test;
using namespace patch_tests;

TEST_CASE_FIXTURE(
    hub_test,
    "failures: a kill inside read() gives EINTR, then the kill at the next eventlet call") {
  auto s = make_socketpair();
  int first = 0, second = 0;
  bool after = false;
  auto gt = eventlet::spawn([&] {
    char c;
    const ssize_t r1 = ::read(s.in, &c, 1);
    first = errno;
    const ssize_t r2 = ::read(s.in, &c, 1);  // would wait: fails at once
    second = errno;
    pollfd p{s.in, POLLIN, 0};
    const int r3 = ::poll(&p, 1, 1000);
    const int third = errno;
    CHECK(r1 == -1);
    CHECK(r2 == -1);
    CHECK(r3 == -1);
    CHECK(third == ECANCELED);
    CHECK(eventlet::hubs::deferred());
    eventlet::sleep(0);  // throws the kill
    after = true;
  });
  eventlet::sleep(0.01);
  gt.kill();
  CHECK(first == EINTR);
  CHECK(second == ECANCELED);
  CHECK_FALSE(after);
  CHECK(gt.dead());
}

TEST_CASE_FIXTURE(hub_test,
                  "failures: a timeout inside poll() or sleep() gives EINTR, then timeout_error") {
  auto s = make_socketpair();
  for (int round = 0; round < 2; ++round) {
    int error = 0;
    bool thrown = false;
    eventlet::spawn([&] {
      try {
        eventlet::timeout t(0.02);
        pollfd p{s.in, POLLIN, 0};
        const int r = round == 0 ? ::poll(&p, 1, -1) : ::usleep(5000000);
        error = errno;
        CHECK(r == -1);
        eventlet::sleep(0);
      } catch (const eventlet::timeout_error&) {
        thrown = true;
      }
    }).wait();
    CHECK(error == EINTR);
    CHECK(thrown);
  }
}

TEST_CASE_FIXTURE(hub_test, "failures: defer() keeps the first exception; deferred() tells") {
  eventlet::spawn([] {
    CHECK_FALSE(eventlet::hubs::deferred());
    eventlet::hubs::defer(std::make_exception_ptr(std::runtime_error("first")));
    eventlet::hubs::defer(std::make_exception_ptr(std::runtime_error("second")));
    CHECK(eventlet::hubs::deferred());
    CHECK_THROWS_WITH(eventlet::sleep(0), "first");
    CHECK_FALSE(eventlet::hubs::deferred());
    eventlet::sleep(0);
  }).wait();
  CHECK_THROWS_AS(eventlet::hubs::defer(nullptr), std::invalid_argument);
  CHECK(eventlet::hubs::detail::tls_deferred == 0);
}
