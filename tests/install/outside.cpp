// A program built outside the tree against the installed library, as a user would build it:
// g++ outside.cpp $(pkg-config --cflags --libs eventlet)
#include <eventlet/eventlet.hpp>

#include <cstdio>

int main() {
  eventlet::greenlet g([](std::any v) -> std::any { return std::any_cast<int>(v) * 2; });
  const int r = std::any_cast<int>(g.switch_to(21));
  std::printf("outside program: %d\n", r);
  return r == 42 ? 0 : 1;
}
