// The main() of the suites that use hubs: doctest's, plus a listener that checks after every
// test case that it left nothing behind on the thread's hub -- no greenthread still alive, no
// timer, no listener, no open fd -- that was not there when it started. A leak is printed with
// the test case's name and fails the run.
#define DOCTEST_CONFIG_NO_POSIX_SIGNALS  // greenlet stack overflows are reported by our own handler
#define DOCTEST_CONFIG_IMPLEMENT
#include <dirent.h>
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "hubs/hub.hpp"
#include "listener.hpp"

namespace {

bool leaked = false;

std::size_t open_fds() {
  std::size_t n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (const dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n - 1;  // the directory's own fd
}

struct counts {
  std::size_t greenthreads, timers, listeners, fds;
};

// The hub's counts: of the thread's hub if it is open (a test may have shut it down).
counts now() {
  counts c{0, 0, 0, open_fds()};
  if (eventlet::hubs::hub* h = eventlet::hubs::current_hub())
    c = {h->greenthread_count(), h->timer_count(), h->listener_count(), c.fds};
  return c;
}

struct leak_check : test_support::listener {
  using listener::listener;

  void test_case_start(const doctest::TestCaseData& tc) override {
    name_ = tc.m_name;
    eventlet::hubs::get_hub();  // its own fds are not the test's
    before_ = now();
  }

  void test_case_end(const doctest::CurrentTestCaseStats&) override {
    const counts after = now();
    std::string what;
    auto grew = [&what](const char* thing, std::size_t before, std::size_t after) {
      if (after > before) what += " " + std::to_string(after - before) + " " + thing;
    };
    grew("greenthread(s) alive,", before_.greenthreads, after.greenthreads);
    grew("timer(s),", before_.timers, after.timers);
    grew("listener(s),", before_.listeners, after.listeners);
    grew("fd(s) open,", before_.fds, after.fds);
    if (what.empty()) return;
    what.pop_back();
    std::printf("LEAK in test case \"%s\":%s\n", name_.c_str(), what.c_str());
    std::fflush(stdout);
    leaked = true;
  }

  std::string name_;
  counts before_{};
};

}  // namespace

DOCTEST_REGISTER_LISTENER("leak_check", 1, leak_check);

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit()) return result;
  return result ? result : leaked ? 1 : 0;
}
