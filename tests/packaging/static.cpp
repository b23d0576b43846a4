// A program linked with the static library:
// g++ static.cpp -Wl,-Bstatic $(pkg-config --static --libs eventlet) -Wl,-Bdynamic
// It checks that it runs on the hub EVENTLET_HUB names, then makes greenthreads sleep and
// wait on a pipe.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <eventlet/eventlet.hpp>
#include <string_view>
#include <vector>

int main() {
  const char* want = std::getenv("EVENTLET_HUB");
  const std::string_view hub = eventlet::hubs::get_hub().name();
  if (!want || hub != want) {
    std::printf("FAIL: running on the %.*s hub, EVENTLET_HUB is %s\n", int(hub.size()), hub.data(),
                want ? want : "unset");
    return 1;
  }
  int fds[2];
  if (pipe(fds) != 0) return 1;
  auto reader = eventlet::spawn([&] {
    eventlet::hubs::trampoline(fds[0], eventlet::hubs::io::read, 5);
    char c = 0;
    return read(fds[0], &c, 1) == 1 ? c : '?';
  });
  auto writer = eventlet::spawn([&] {
    eventlet::sleep(0.01);
    return write(fds[1], "x", 1);
  });
  std::vector<eventlet::greenthread<int>> sleepers;
  for (int i = 1; i <= 10; ++i)
    sleepers.push_back(eventlet::spawn(
        [](int n) {
          eventlet::sleep(0.001 * n);
          return n;
        },
        i));
  int sum = 0;
  for (auto& gt : sleepers) sum += gt.wait();
  const char c = reader.wait();
  const bool ok = writer.wait() == 1 && c == 'x' && sum == 55;
  close(fds[0]);
  close(fds[1]);
  std::printf("static program on the %.*s hub: %s\n", int(hub.size()), hub.data(),
              ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
