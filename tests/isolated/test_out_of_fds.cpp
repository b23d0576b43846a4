// Out of fds (EMFILE): making a hub, a socket, a pipe or accepting fails with
// std::system_error(EMFILE) -- never an exit inside libevent or an abort inside libev -- and
// everything works again once fds are free.
#include <sys/resource.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include "coros/greenthread.hpp"
#include "green/fd.hpp"
#include "green/net.hpp"
#include "helpers.hpp"

using namespace eventlet;

namespace {

// Fills every free fd (under a low RLIMIT_NOFILE) until freed.
struct fd_exhaustion {
  std::vector<int> held;
  rlimit old{};
  fd_exhaustion() {
    REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
    rlimit low = old;
    low.rlim_cur = static_cast<rlim_t>(isolated::open_fds() + 64);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    for (int fd; (fd = dup(0)) >= 0;) held.push_back(fd);
    REQUIRE(errno == EMFILE);
  }
  ~fd_exhaustion() {
    for (int fd : held) close(fd);
    setrlimit(RLIMIT_NOFILE, &old);
  }
};

// Runs `f` and returns the errno of the std::system_error it throws, or 0, or -1 for any other
// outcome (another exception).
template <typename F>
int error_of(F&& f) {
  try {
    f();
    return 0;
  } catch (const std::system_error& e) {
    return e.code().value();
  } catch (...) {
    return -1;
  }
}

}  // namespace

TEST_CASE("isolated: out of fds hubs sockets pipes and accept fail with EMFILE") {
  const std::string name = isolated::hub_name();
  auto listener = green::listen({"127.0.0.1", 0});
  auto client_side = green::connect(listener.getsockname());  // waits in the backlog
  std::vector<std::string> usable_before = hubs::available_hubs();
  int first_hub = 0, named_hub = 0, socket_error = 0, pipe_error = 0, accept_error = 0;
  std::vector<std::string> usable_during;
  {
    fd_exhaustion full;
    usable_during = hubs::available_hubs();  // probes make nothing
    std::thread([&] { first_hub = error_of([] { hubs::get_hub(); }); }).join();
    std::thread([&] { named_hub = error_of([&] { hubs::use_hub(name); }); }).join();
    socket_error = error_of([] { green::socket s(AF_INET, SOCK_STREAM); });
    pipe_error = error_of([] { green::pipe(); });
    accept_error = error_of([&] { listener.accept(); });
  }
  CHECK(usable_during == usable_before);
  CHECK(first_hub == EMFILE);
  CHECK(named_hub == EMFILE);
  CHECK(socket_error == EMFILE);
  CHECK(pipe_error == EMFILE);
  CHECK(accept_error == EMFILE);
  // Fds are back: all of it works.
  int worked = 0;
  std::thread([&] {
    hubs::use_hub(name);
    worked = spawn([] {
               eventlet::sleep(0.001);
               return 1;
             }).wait();
  }).join();
  CHECK(worked == 1);
  auto [conn, peer] = listener.accept();
  CHECK(conn.fileno() >= 0);
}
