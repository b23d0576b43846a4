// listen, connect and serve: a greenthread per connection, stop_serve, the concurrency limit,
// handler errors, and running out of fds.
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "green/stream.hpp"
#include "helpers.hpp"

using namespace eventlet;
using green::address;
using green_tests::cpu_seconds;
using green_tests::loopback_listener;
using green_tests::os_failure_of;
using hub_tests::hub_test;

namespace {

// A handler that echoes lines until EOF, and throws stop_serve on "stop\n".
void echo_lines(green::socket connection, address) {
  green::stream s(connection);
  for (std::string line; !(line = s.readline()).empty();) {
    if (line == "stop\n") throw green::stop_serve();
    s.write(line);
    s.flush();
  }
}

// Sends `line` on a new connection to `where` and returns the reply line.
std::string ask(const address& where, const std::string& line) {
  green::socket s = green::connect(where);
  s.sendall(line);
  green::stream in(s);
  return in.readline();
}

// Makes serve() return: a handler reads "stop\n" and throws stop_serve.
void stop(const address& where) {
  green::socket s = green::connect(where);
  s.sendall("stop\n");
}

}  // namespace

TEST_CASE_FIXTURE(
    hub_test, "serve: each connection gets a handler in its own greenthread; stop_serve ends it") {
  loopback_listener server;
  auto serving = spawn([&] { green::serve(server.socket, echo_lines); });
  std::vector<greenthread<std::string>> clients;
  for (int i = 0; i < 50; ++i)
    clients.push_back(spawn([&, i] { return ask(server.where, std::to_string(i) + "\n"); }));
  for (int i = 0; i < 50; ++i) CHECK(clients[i].wait() == std::to_string(i) + "\n");
  stop(server.where);
  serving.wait();  // returns, without an exception
  eventlet::sleep(0.01);
}

TEST_CASE_FIXTURE(hub_test, "serve: concurrency limits how many handlers run at once") {
  loopback_listener server;
  int running = 0, most = 0, served = 0;
  auto serving = spawn([&] {
    green::serve(
        server.socket,
        [&](green::socket c, address) {
          if (c.recv(10) == "stop") throw green::stop_serve();
          most = std::max(most, ++running);
          eventlet::sleep(0.01);
          --running;
          ++served;
        },
        3);
  });
  std::vector<greenthread<void>> clients;
  for (int i = 0; i < 12; ++i)
    clients.push_back(spawn([&] {
      green::socket s = green::connect(server.where);
      s.sendall("work");
      s.recv(1);  // EOF once the handler is done
    }));
  waitall(clients);
  CHECK(served == 12);
  CHECK(most == 3);
  green::socket s = green::connect(server.where);
  s.sendall("stop");
  serving.wait();
  eventlet::sleep(0.01);
}

TEST_CASE_FIXTURE(hub_test, "serve: a handler's exception is reported and serving goes on") {
  hub_tests::collected_reports collected(hub);
  std::vector<std::string>& reports = collected.lines;
  loopback_listener server;
  auto serving = spawn([&] {
    green::serve(server.socket, [](green::socket c, address) {
      green::stream s(c);
      const std::string line = s.readline();
      if (line == "boom\n") throw std::runtime_error("handler failed");
      if (line == "stop\n") throw green::stop_serve();
      s.write(line);
      s.flush();
    });
  });
  {
    green::socket s = green::connect(server.where);
    s.sendall("boom\n");
    CHECK(s.recv(10) == "");  // the handler ended, its socket closed
  }
  CHECK(ask(server.where, "still here\n") == "still here\n");
  stop(server.where);
  serving.wait();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0] == "a serve() handler: handler failed");
}

TEST_CASE_FIXTURE(hub_test, "serve: stop_serve reaches serve while it waits for a free slot") {
  loopback_listener server;
  auto serving = spawn([&] {
    green::serve(
        server.socket,
        [](green::socket c, address) {
          if (c.recv(10) == "stop") throw green::stop_serve();
          c.recv(10);  // holds the only slot until the client closes
        },
        2);
  });
  green::socket holder = green::connect(server.where);
  holder.sendall("hold");
  green::socket stopper = green::connect(server.where);
  stopper.sendall("stop");
  serving.wait();  // serve was waiting for the holder's slot
  holder.close();
  eventlet::sleep(0.01);
}

TEST_CASE_FIXTURE(hub_test, "serve: bad arguments are refused") {
  loopback_listener server;
  CHECK_THROWS_WITH_AS(green::serve(server.socket, {}), "serve: the handler is empty",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(green::serve(server.socket, echo_lines, 0),
                       "serve: the concurrency must be > 0", std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "listen and connect") {
  green::socket server = green::listen({"127.0.0.1", 0});
  auto accepted = spawn([&] { return server.accept().first.recv(10); });
  green::socket client = green::connect(server.getsockname());
  client.sendall("seed");
  CHECK(accepted.wait() == "seed");
  CHECK_FALSE(client.timeout());
}

TEST_CASE_FIXTURE(hub_test, "listen: an address in use is EADDRINUSE; reuse_port shares it") {
  loopback_listener first;
  CHECK(os_failure_of([&] { green::listen(first.where); }).error == EADDRINUSE);
  green::socket a = green::listen({"127.0.0.1", 0}, 16, true);
  green::socket b = green::listen(a.getsockname(), 16, true);
  CHECK(b.getsockopt<int>(SOL_SOCKET, SO_REUSEPORT) != 0);
}

namespace {

// The highest fd this process has open.
int highest_open_fd() {
  int highest = 2;
  DIR* d = opendir("/proc/self/fd");
  if (!d) return 1024;
  while (const dirent* e = readdir(d)) highest = std::max(highest, std::atoi(e->d_name));
  closedir(d);
  return highest;
}

// The EMFILE test's forked child: its exit status says what went wrong (0: nothing).
int out_of_fds_child() {
  try {
    loopback_listener server;
    auto serving = spawn([&] { green::serve(server.socket, echo_lines); });
    green::socket early = green::connect(server.where);  // served before fds run out
    if (early.sendall("before\n"), early.recv(100) != "before\n") return 2;
    green::socket late(AF_INET, SOCK_STREAM), later(AF_INET, SOCK_STREAM);

    // Lower the limit to a little above what is open, and take every fd left: all but the
    // last with dup(2), the last with a green socket.
    rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = highest_open_fd() + 8;
    if (setrlimit(RLIMIT_NOFILE, &limit) < 0) return 20;
    std::vector<int> taken;
    for (int f; (f = dup(STDERR_FILENO)) >= 0;) taken.push_back(f);
    if (errno != EMFILE || taken.size() < 2) return 21;
    close(taken.back());
    taken.pop_back();
    green::socket last(AF_INET, SOCK_STREAM);

    // Out of fds, serve() keeps serving the connection it has, and neither spins nor dies.
    late.connect(server.where);  // waits in the backlog: accept() fails with EMFILE
    late.sendall("waiting\n");
    double cpu = cpu_seconds();
    eventlet::sleep(0.2);
    early.sendall("during\n");
    if (early.recv(100) != "during\n") return 3;
    eventlet::sleep(0.3);
    if (cpu_seconds() - cpu > 0.25) return 4;
    if (serving.dead()) return 5;
    late.set_timeout(0);
    if (os_failure_of([&] { late.recv(100); }).error != EAGAIN) return 6;  // not accepted yet

    // An fd freed with a plain close(2): serve() finds it when its backoff ends.
    close(taken.back());
    taken.pop_back();
    late.set_timeout(5);
    if (late.recv(100) != "waiting\n") return 7;

    // Out of fds again; once the backoff has grown to its longest (0.5 s), closing a green
    // socket wakes serve() at once.
    later.connect(server.where);
    later.sendall("again\n");
    cpu = cpu_seconds();
    eventlet::sleep(0.7);
    if (cpu_seconds() - cpu > 0.35) return 4;
    const double freed = hubs::hub::clock();
    last.close();
    later.set_timeout(5);
    if (later.recv(100) != "again\n") return 8;
    if (hubs::hub::clock() - freed > 0.25) return 9;
    later.sendall("stop\n");
    serving.wait();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "out-of-fds child: %s\n", e.what());
    return 1;
  }
}

}  // namespace

TEST_CASE_FIXTURE(
    hub_test,
    "serve: out of fds (EMFILE) it neither spins nor dies, and serves again once fds are freed") {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) _exit(out_of_fds_child());
  int status = 0;
  const double start = hubs::hub::clock();
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (hubs::hub::clock() - start > 30) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      FAIL("the child hung");
    }
    eventlet::sleep(0.01);
  }
  REQUIRE(WIFEXITED(status));
  const char* why[] = {"ok",
                       "an exception (see stderr)",
                       "no early echo",
                       "no echo while out of fds",
                       "serve spun the CPU",
                       "serve died",
                       "a connection was accepted out of fds",
                       "no echo once an fd was closed",
                       "no echo once a green socket was closed",
                       "closing a green socket did not wake serve"};
  const int code = WEXITSTATUS(status);
  INFO("child status ", code, ": ",
       std::string(code < 10 ? why[code] : "setting the fd limit failed"));
  CHECK(code == 0);
}
