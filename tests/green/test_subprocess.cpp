// green::subprocess: echo through cat, large output on both pipes without deadlock, exit codes
// and signals, timeouts then kill, many children at once, a missing program, no fd leaked into
// the child, and a child that does not read its input.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "coros/greenthread.hpp"
#include "green/subprocess.hpp"
#include "helpers.hpp"

using namespace eventlet;
using green_tests::os_failure_of;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "subprocess: echo through cat, by hand and with communicate()") {
  green::subprocess cat({"cat"});
  cat.in().write("hello\n");
  CHECK(cat.out().read(100) == "hello\n");
  cat.in().close();
  CHECK(cat.out().read(100) == "");
  CHECK(cat.wait() == 0);
  CHECK(cat.poll() == 0);

  green::subprocess again({"cat"});
  const auto r = again.communicate("one\ntwo\n", 10.0);
  CHECK(r.out == "one\ntwo\n");
  CHECK(r.err == "");
  CHECK(r.status == 0);
}

TEST_CASE_FIXTURE(hub_test, "subprocess: megabytes on stdout and stderr at once, no deadlock") {
  // 4 MiB in, echoed out, and 2 MiB on stderr: every pipe fills many times over.
  green::subprocess p({"sh", "-c", "head -c 2097152 /dev/zero >&2 & cat; wait"});
  const std::string input(4 << 20, 'z');
  int ticks = 0;
  auto ticker = spawn([&] {
    for (;; ++ticks) eventlet::sleep(0.001);
  });
  const auto r = p.communicate(input, 60.0);
  ticker.kill();
  CHECK(r.out.size() == input.size());
  CHECK(r.out == input);
  CHECK(r.err.size() == 2097152);
  CHECK(r.status == 0);
  CHECK(ticks > 0);  // the hub ran meanwhile
}

TEST_CASE_FIXTURE(hub_test, "subprocess: exit codes and signals as Python's returncode") {
  CHECK(green::subprocess({"sh", "-c", "exit 3"}).wait() == 3);
  green::subprocess sleeper({"sleep", "30"});
  CHECK(!sleeper.poll());
  sleeper.terminate();
  CHECK(sleeper.wait(10.0) == -SIGTERM);
  green::subprocess self_kill({"sh", "-c", "kill -KILL $$"});
  CHECK(self_kill.wait() == -SIGKILL);
  self_kill.kill();  // reaped: a no-op
}

TEST_CASE_FIXTURE(hub_test, "subprocess: a wait that times out, then kill") {
  green::subprocess p({"sleep", "30"});
  CHECK_THROWS_AS(p.wait(0.05), timeout_error);
  CHECK(!p.try_wait(0.01));
  CHECK_THROWS_AS(p.communicate("", 0.05), timeout_error);
  p.kill();
  CHECK(p.wait(10.0) == -SIGKILL);
  CHECK_THROWS_AS(p.wait(-1.0), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "subprocess: many children at once, waited for concurrently") {
  std::vector<greenthread<int>> waits;
  for (int i = 0; i < 40; ++i)
    waits.push_back(spawn([i] {
      green::subprocess p({"sh", "-c", "sleep 0.1; exit " + std::to_string(i)});
      return p.wait(30.0);
    }));
  const double start = hubs::hub::clock();
  for (int i = 0; i < 40; ++i) CHECK(waits[i].wait() == i);
  CHECK(hubs::hub::clock() - start < 20.0);  // side by side, not 40 × in turn
}

TEST_CASE_FIXTURE(hub_test, "subprocess: a missing program is ENOENT naming it; empty argv") {
  const auto f = os_failure_of([] { green::subprocess({"no-such-program-eventlet"}); });
  CHECK(f.error == ENOENT);
  CHECK(f.what.find("no-such-program-eventlet") != std::string::npos);
  CHECK_THROWS_AS(green::subprocess({}), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "subprocess: no fd of the parent leaks into the child") {
  const int leaky = ::open("/dev/null", O_RDONLY);  // not close-on-exec
  REQUIRE(leaky >= 3);
  green::subprocess p({"sh", "-c", "ls /proc/$$/fd"});
  const auto r = p.communicate();
  ::close(leaky);
  CHECK(r.status == 0);
  CHECK(r.out == "0\n1\n2\n");
}

TEST_CASE_FIXTURE(hub_test, "subprocess: a child that exits without reading its input") {
  green::subprocess p({"true"});
  const auto r = p.communicate(std::string(1 << 20, 'i'));  // EPIPE, no SIGPIPE
  CHECK(r.status == 0);
}

TEST_CASE_FIXTURE(hub_test, "subprocess: /dev/null and inherited streams") {
  green::subprocess p({"cat"}, {.in = green::stdio::null, .err = green::stdio::null});
  CHECK(p.in().fileno() == -1);
  CHECK(p.err().fileno() == -1);
  const auto r = p.communicate("ignored");
  CHECK(r.out == "");
  CHECK(r.status == 0);
}
