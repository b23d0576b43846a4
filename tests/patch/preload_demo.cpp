// A program that uses eventlet but is not linked with libeventlet_patch (tests/patch/preload.sh
// runs it with and without LD_PRELOAD). Four greenthreads each make a blocking read() on a
// socketpair that a thread of its own writes to after 0.3 s, then a blocking usleep() of 0.3 s.
// Green, they overlap: about 0.6 s in all; plain, each read and sleep blocks the thread: 1.5 s.
// Prints the time and "overlapped" or "serial"; exits 0 either way, 1 on a failed call.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <eventlet/eventlet.hpp>
#include <thread>
#include <vector>

int main() {
  constexpr int n = 4;
  int pairs[n][2];
  std::vector<std::thread> writers;
  for (auto& p : pairs) {
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, p) != 0) return 1;
    writers.emplace_back([fd = p[1]] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      (void)!::write(fd, "x", 1);
    });
  }
  const auto start = std::chrono::steady_clock::now();
  bool ok = true;
  std::vector<eventlet::greenthread<void>> all;
  for (auto& p : pairs)
    all.push_back(eventlet::spawn([&ok, fd = p[0]] {
      char c;
      ok = ok && ::read(fd, &c, 1) == 1;
      ok = ok && ::usleep(300000) == 0;
    }));
  for (auto& gt : all) gt.wait();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& w : writers) w.join();
  std::printf("%.3f s: %s\n", took, took < 1.2 ? "overlapped" : "serial");
  return ok ? 0 : 1;
}
