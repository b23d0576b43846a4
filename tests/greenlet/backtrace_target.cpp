// A program for gdb_backtrace.sh: stops in a function called on a greenlet's stack.
#include "greenlet/greenlet.hpp"

extern "C" [[gnu::noinline]] int green_breakpoint(int n) {
  asm volatile("" ::: "memory");
  return n + 1;
}

[[gnu::noinline]] static int nested(int n) { return green_breakpoint(n) * 2; }

int main() {
  eventlet::greenlet g([](std::any) -> std::any { return nested(20); });
  return std::any_cast<int>(g.switch_to()) == 42 ? 0 : 1;
}
