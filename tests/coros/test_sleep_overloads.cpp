// `using namespace eventlet; sleep(1);` must call eventlet::sleep, never POSIX ::sleep(unsigned),
// which would block the whole hub. Checked at compile time for every arithmetic type and for
// std::chrono durations; for unsigned int itself, whose exact match is ::sleep, the call must
// not compile at all rather than pick the POSIX one.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <concepts>

#include "../support/fixture.hpp"

using namespace eventlet;
using namespace std::chrono_literals;

namespace {

// True when an unqualified sleep(T) resolves to eventlet's (which returns void; POSIX's
// returns unsigned).
template <typename T>
concept sleeps_greenly = requires(T t) {
  { sleep(t) } -> std::same_as<void>;
};

// True when an unqualified sleep(T) resolves at all.
template <typename T>
concept sleep_resolves = requires(T t) {
  sleep(t);
};

static_assert(sleeps_greenly<int>);
static_assert(sleeps_greenly<long>);
static_assert(sleeps_greenly<long long>);
static_assert(sleeps_greenly<short>);
static_assert(sleeps_greenly<unsigned char>);
static_assert(sleeps_greenly<unsigned short>);
static_assert(sleeps_greenly<unsigned long>);
static_assert(sleeps_greenly<unsigned long long>);
static_assert(sleeps_greenly<char>);
static_assert(sleeps_greenly<float>);
static_assert(sleeps_greenly<double>);
static_assert(sleeps_greenly<long double>);
static_assert(sleeps_greenly<std::chrono::milliseconds>);
static_assert(sleeps_greenly<std::chrono::duration<double>>);
static_assert(!sleep_resolves<unsigned>, "sleep(1u) must not silently call POSIX ::sleep");

}  // namespace

TEST_CASE_FIXTURE(hub_tests::hub_test,
                  "sleep takes any arithmetic type and std::chrono durations") {
  const double start = hubs::hub::clock();
  sleep(0);
  sleep(0.001f);
  sleep(2ms);
  eventlet::sleep(0u);  // qualified, unsigned is eventlet's too
  CHECK(hubs::hub::clock() - start >= 0.002);
}
