// A program that links libeventlet_patch as its users do, built by the packaging tests with
// pkg-config (check.sh: eventlet-patch) and with CMake (cmake.sh: eventlet::patch, shared, and
// eventlet::patch_static). Two greenthreads each make a blocking usleep() of 0.2 s: with the
// patch library linked, they overlap.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <eventlet/eventlet.hpp>
#include <eventlet/patch/patch.hpp>

int main() {
  const auto start = std::chrono::steady_clock::now();
  bool green = true;
  auto nap = [&green] {
    green = green && eventlet::patch::enabled();
    ::usleep(200000);
  };
  auto a = eventlet::spawn(nap), b = eventlet::spawn(nap);
  a.wait();
  b.wait();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("two blocking usleep(0.2 s) in greenthreads: %.3f s, green: %d\n", took, green);
  return green && took < 0.35 ? 0 : 1;
}
