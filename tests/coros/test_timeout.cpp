// timeout, with_timeout, exc_after.
#include <cmath>
#include <stdexcept>

#include "../support/fixture.hpp"

using namespace eventlet;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "a timeout throws timeout_error into the blocked greenthread") {
  const double start = hubs::hub::clock();
  try {
    timeout t(0.02);
    eventlet::sleep(5);
    FAIL("not timed out");
  } catch (const timeout_error& e) {
    CHECK(std::string(e.what()) == "timed out after 0.02 s");
  }
  CHECK(hubs::hub::clock() - start >= 0.02);
}

TEST_CASE_FIXTURE(hub_test, "a cancelled or destroyed timeout never fires") {
  {
    timeout t(0.01);
    CHECK(t.pending());
    t.cancel();
    CHECK_FALSE(t.pending());
    CHECK_NOTHROW(eventlet::sleep(0.02));
  }
  { timeout t(0.01); }
  CHECK_NOTHROW(eventlet::sleep(0.02));
  timeout never(-1);
  CHECK_FALSE(never.pending());
}

TEST_CASE_FIXTURE(hub_test, "nested timeouts each throw their own timeout_error") {
  std::uint64_t outer_id = 0, inner_id = 0, caught = 0;
  try {
    timeout outer(0.02);
    outer_id = outer.id();
    try {
      timeout inner(1.0);
      inner_id = inner.id();
      eventlet::sleep(5);
    } catch (const timeout_error& e) {
      CHECK(e.source() == outer_id);  // not ours: the inner one would rethrow
      throw;
    }
  } catch (const timeout_error& e) {
    caught = e.source();
  }
  CHECK(caught == outer_id);
  CHECK(inner_id != outer_id);
  try {
    timeout outer(1.0);
    try {
      timeout inner(0.01);
      inner_id = inner.id();
      eventlet::sleep(5);
    } catch (const timeout_error& e) {
      caught = e.source();
    }
    CHECK(outer.pending());
  } catch (const timeout_error&) {
    FAIL("the outer timeout fired");
  }
  CHECK(caught == inner_id);
}

TEST_CASE_FIXTURE(hub_test, "with_timeout returns the result, the fallback, or throws") {
  CHECK(with_timeout(1.0, [] { return 5; }) == 5);
  CHECK(with_timeout(
            0.01,
            [] {
              eventlet::sleep(5);
              return 5;
            },
            -1) == -1);
  CHECK_THROWS_AS(with_timeout(0.01, [] { eventlet::sleep(5); }), timeout_error);
  // An outer timeout passes through an inner with_timeout's fallback.
  CHECK_THROWS_AS(with_timeout(0.01,
                               [] {
                                 return with_timeout(
                                     1.0,
                                     [] {
                                       eventlet::sleep(5);
                                       return 1;
                                     },
                                     2);
                               }),
                  timeout_error);
}

TEST_CASE_FIXTURE(hub_test, "a timeout works in any greenthread, independently") {
  auto a = spawn([] {
    return with_timeout(
        0.01,
        [] {
          eventlet::sleep(1);
          return 1;
        },
        0);
  });
  auto b = spawn([] {
    return with_timeout(
        1.0,
        [] {
          eventlet::sleep(0.02);
          return 2;
        },
        0);
  });
  CHECK(a.wait() == 0);
  CHECK(b.wait() == 2);
}

TEST_CASE_FIXTURE(hub_test, "exc_after throws the given exception unless cancelled") {
  hubs::timer t = exc_after(0.01, std::make_exception_ptr(std::runtime_error("late")));
  CHECK_THROWS_WITH(eventlet::sleep(1), "late");
  hubs::timer c = exc_after(0.01, std::make_exception_ptr(std::runtime_error("never")));
  c.cancel();
  CHECK_NOTHROW(eventlet::sleep(0.02));
  CHECK_THROWS_AS(exc_after(1, nullptr), std::invalid_argument);
  CHECK_THROWS_AS(timeout(std::nan("")), std::invalid_argument);
}
