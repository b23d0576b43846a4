// A program that uses eventlet as its users do, built by the packaging tests three ways: against
// an install with pkg-config (check.sh) and with CMake's find_package (cmake.sh, CMakeLists.txt),
// and with eventlet as a meson subproject (subproject.sh, meson.build). It spawns a greenthread
// that sleeps, checks what the greenthread returns, and checks the version macros against the
// version given on its command line.
// usage: consumer <version>
#include <cstdio>
#include <eventlet/eventlet.hpp>
#include <string>

int main(int argc, char** argv) {
  auto gt = eventlet::spawn(
      [](int x) {
        eventlet::sleep(0.01);
        return x * 2;
      },
      21);
  const int result = gt.wait();
  const std::string numbers = std::to_string(EVENTLET_VERSION_MAJOR) + '.' +
                              std::to_string(EVENTLET_VERSION_MINOR) + '.' +
                              std::to_string(EVENTLET_VERSION_PATCH);
  std::printf("eventlet %s (%s): %d\n", EVENTLET_VERSION_STRING, numbers.c_str(), result);
  const bool version_ok =
      argc == 2 && numbers == argv[1] && std::string(EVENTLET_VERSION_STRING) == argv[1];
  return result == 42 && version_ok ? 0 : 1;
}
