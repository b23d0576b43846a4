#define DOCTEST_CONFIG_NO_POSIX_SIGNALS  // greenlet stack overflows are reported by our own handler
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
