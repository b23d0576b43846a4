// green::select: what is ready now, waiting for the first of several fds while other
// greenthreads run, timeouts (empty, no error), closed fds and bad input.
#include <unistd.h>

#include <cmath>
#include <stdexcept>

#include "green/fd.hpp"
#include "green/select.hpp"
#include "helpers.hpp"

using namespace eventlet;
using green_tests::os_failure_of;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "select: returns every fd ready now, in the order given") {
  auto [a_in, a_out] = green::pipe();
  auto [b_in, b_out] = green::pipe();
  b_out.write("x");
  a_out.write("y");
  const auto r = green::select({b_in.fileno(), a_in.fileno()}, {a_out.fileno()});
  CHECK(r.readable == std::vector<int>{b_in.fileno(), a_in.fileno()});
  CHECK(r.writable == std::vector<int>{a_out.fileno()});
}

TEST_CASE_FIXTURE(hub_test, "select: waits for the first fd to be ready, others run meanwhile") {
  auto [a_in, a_out] = green::pipe();
  auto [b_in, b_out] = green::pipe();
  int ticks = 0;
  auto ticker = spawn([&] {
    for (int i = 0; i < 5; ++i, ++ticks) eventlet::sleep(0.005);
    b_out.write("now");
  });
  const auto r = green::select({a_in.fileno(), b_in.fileno()}, {}, 5.0);
  CHECK(ticks == 5);
  CHECK(r.readable == std::vector<int>{b_in.fileno()});
  CHECK(r.writable.empty());
  ticker.wait();
  b_out.close();
  CHECK(green::select({b_in.fileno()}, {}, 1.0).readable.size() == 1);  // data, then EOF
}

TEST_CASE_FIXTURE(hub_test, "select: a timeout throws, try_select returns nothing, 0 only looks") {
  auto [in, out] = green::pipe();
  CHECK_THROWS_AS(green::select({in.fileno()}, {}, 0.02), timeout_error);
  CHECK_THROWS_AS(green::select({in.fileno()}, {}, 0), timeout_error);
  CHECK_FALSE(green::try_select({in.fileno()}, {}, 0.02).has_value());
  CHECK_FALSE(green::try_select({in.fileno()}, {}, 0).has_value());
  CHECK_FALSE(green::try_select({}, {}, 0.01).has_value());  // no fd: a sleep
  out.write("x");
  const std::optional<green::select_result> r = green::try_select({in.fileno()}, {out.fileno()}, 0);
  REQUIRE(r.has_value());
  CHECK(r->readable == std::vector<int>{in.fileno()});
  CHECK(r->writable == std::vector<int>{out.fileno()});
  CHECK_THROWS_AS(green::try_select({in.fileno()}, {}, -1.0), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "select: an fd closed while waited on is EBADF; bad input") {
  auto [in, out] = green::pipe();
  auto closer = spawn([&in = in] {
    eventlet::sleep(0.01);
    in.close();
  });
  CHECK(os_failure_of([&] {
          green::select({in.fileno() < 0 ? 1000 : in.fileno()}, {}, 5.0);
        }).error == EBADF);
  closer.wait();
  CHECK(os_failure_of([] { green::select({1000}, {}, 0.01); }).error == EBADF);
  CHECK_THROWS_AS(green::select({-1}, {}, 0.01), std::invalid_argument);
  CHECK_THROWS_AS(green::select({}, {}), std::invalid_argument);
  CHECK_THROWS_AS(green::select({out.fileno()}, {}, -1.0), std::invalid_argument);
  CHECK_THROWS_AS(green::select({out.fileno()}, {}, std::nan("")), std::invalid_argument);
}
