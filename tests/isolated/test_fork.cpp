// fork() in the middle of things: the parent raw-closed an fd a greenthread waits on, and the
// fork happens in the pass that ended another wait, its change not applied yet. The child's
// hub works all the same: spawn, sleep, new fds, cross-thread wake-ups; the greenthread on the
// closed fd hears EBADF instead of waiting forever.
#include <sys/resource.h>
#include <sys/wait.h>

#include <atomic>
#include <string>
#include <system_error>

#include "coros/greenthread.hpp"
#include "helpers.hpp"

using namespace eventlet;

namespace {

// In the child, inside a greenthread: everything a program does with its hub. Returns the
// exit status (0: all worked).
int child_checks(greenthread<std::string>& on_closed) {
  auto slept = spawn([] {
    eventlet::sleep(0.01);
    return 7;
  });
  int p[2];
  if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) return 2;
  auto reader = spawn([&] {
    hubs::trampoline(p[0], hubs::io::read, 5);
    return true;
  });
  std::atomic<bool> called{false};
  hubs::hub& h = hubs::get_hub();
  std::thread([&] { h.run_callback_threadsafe([&] { called = true; }); }).join();
  eventlet::sleep(0.01);
  if (write(p[1], "c", 1) != 1) return 3;
  if (slept.wait() != 7) return 4;
  if (!reader.wait()) return 5;
  for (int i = 0; i < 200 && !called; ++i) eventlet::sleep(0.005);
  if (!called) return 6;
  if (on_closed.wait() != "EBADF") return 7;
  return 0;
}

}  // namespace

TEST_CASE("isolated: fork after a raw close and with a change unapplied") {
  hubs::use_hub(isolated::hub_name());
  int closed_pipe[2], woken_pipe[2];
  REQUIRE(pipe2(closed_pipe, O_NONBLOCK | O_CLOEXEC) == 0);
  REQUIRE(pipe2(woken_pipe, O_NONBLOCK | O_CLOEXEC) == 0);
  auto on_closed = spawn([&] {
    try {
      hubs::trampoline(closed_pipe[0], hubs::io::read, 10);
      return std::string("ready");
    } catch (const std::system_error& e) {
      return std::string(e.code().value() == EBADF ? "EBADF" : e.what());
    } catch (const timeout_error&) {
      return std::string("timed out");
    }
  });
  pid_t child = -1;
  auto forker = spawn([&] {
    hubs::trampoline(woken_pipe[0], hubs::io::read, 10);
    child = fork();  // in the pass that ended the wait: its listener's removal is unapplied
    if (child == 0) {
      int status = 8;
      try {
        status = child_checks(on_closed);
      } catch (...) {
      }
      _exit(status);
    }
  });
  eventlet::sleep(0);
  close(closed_pipe[0]);  // raw: the hub still has it registered
  REQUIRE(write(woken_pipe[1], "w", 1) == 1);
  forker.wait();
  REQUIRE(child > 0);
  CHECK(isolated::wait_child(child) == 0);
  // The parent goes on too; its own greenthread on the closed fd is killed here.
  on_closed.kill();
  for (int fd : {closed_pipe[1], woken_pipe[0], woken_pipe[1]}) {
    hubs::get_hub().notify_close(fd);
    close(fd);
  }
}

TEST_CASE("isolated: a forked child with no fd for its rebuild gets errors not a crash") {
  hubs::use_hub(isolated::hub_name());
  int p[2];
  REQUIRE(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
  auto waiter = spawn([&] {
    try {
      hubs::trampoline(p[0], hubs::io::read, 10);
    } catch (...) {
    }
  });
  eventlet::sleep(0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // No fd left: the rebuild cannot make an epoll instance or a wake-up eventfd.
    rlimit none{0, 0};
    getrlimit(RLIMIT_NOFILE, &none);
    none.rlim_cur = 0;
    setrlimit(RLIMIT_NOFILE, &none);
    hubs::get_hub().notify_close(p[1]);  // rebuilds first: must neither throw nor terminate
    int status = 1;
    try {
      eventlet::sleep(0.001);
    } catch (const std::system_error&) {
      status = 0;  // the wait says the hub cannot run here
    } catch (...) {
      status = 2;
    }
    _exit(status);
  }
  CHECK(isolated::wait_child(child) == 0);
  waiter.kill();
  for (int fd : p) {
    hubs::get_hub().notify_close(fd);
    close(fd);
  }
}
