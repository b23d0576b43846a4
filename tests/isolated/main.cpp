// doctest's main for the isolated cases, which meson runs one per process by name: a run in
// which no test case matched the name fails, so that a renamed case is never skipped silently.
#define DOCTEST_CONFIG_NO_POSIX_SIGNALS  // greenlet stack overflows are reported by our own handler
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "../support/listener.hpp"

namespace {

int cases_run = 0;

struct count_cases : test_support::listener {
  using listener::listener;
  void test_case_start(const doctest::TestCaseData&) override { ++cases_run; }
};

}  // namespace

DOCTEST_REGISTER_LISTENER("count_cases", 1, count_cases);

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit()) return result;
  if (cases_run == 0) {
    std::printf("FAILED: no test case matched\n");
    return 1;
  }
  return result;
}
