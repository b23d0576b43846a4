// leave() with greenthreads still there: it reports them through the log hook and kills them
// before it returns, so that what they hold of the loop (a green_transport's bufferevent) goes
// before the application frees the loop. Before, the greenthread outlived the loop with its
// bufferevent pointing into it (ASan: the bufferevent leaked, or freed into the freed loop).
#include <doctest/doctest.h>
#include <event2/bufferevent.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.hpp"
#include "base/scope_exit.hpp"
#include "coros/greenthread.hpp"
#include "embed/join.hpp"
#include "embed/transport.hpp"
#include "way.hpp"

using embed_tests::way;
namespace embed = eventlet::embed;

namespace {

// The messages logged while it lives.
struct log_capture {
  std::vector<std::string> lines;
  eventlet::log_handler before = eventlet::set_log_handler(
      [this](eventlet::log_level, std::string_view m) { lines.emplace_back(m); });
  ~log_capture() { eventlet::set_log_handler(before); }

  // has() tells whether a line logged contains every one of `parts`.
  bool has(std::initializer_list<std::string_view> parts) const {
    for (const std::string& line : lines) {
      bool all = true;
      for (std::string_view p : parts) all = all && line.find(p) != std::string::npos;
      if (all) return true;
    }
    return false;
  }
};

bool joined_way() {
  const char* name = std::getenv("EMBED_WAY");
  return !name || std::string_view(name).starts_with("join-");
}

}  // namespace

TEST_CASE("leave() reports the greenthreads still waiting, then kills them") {
  if (!joined_way()) return;  // leave() is the join's
  log_capture log;
  bool unwound = false;
  std::optional<eventlet::greenthread<void>> sleeper;
  {
    way w;
    sleeper = eventlet::spawn(eventlet::spawn_options{.name = "sleeper"}, [&unwound] {
      const eventlet::scope_exit done([&unwound] { unwound = true; });
      eventlet::sleep(60);
    });
    w.run([] { eventlet::sleep(0.01); });
    REQUIRE(eventlet::hubs::get_hub().greenthread_count() == 1);
  }  // leaves, then frees the loop
  CHECK(log.has({"embed::leave", "1 greenthread(s) still wait", "sleeper"}));
  CHECK(unwound);
  CHECK(sleeper->dead());
  CHECK(eventlet::hubs::get_hub().greenthread_count() == 0);
  // The thread's hub is open again, on the backend it had: main may block.
  eventlet::spawn([] { eventlet::sleep(0.001); }).wait();
}

TEST_CASE("leave() frees the transports of the greenthreads left before the loop goes") {
  log_capture log;
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  const eventlet::scope_exit close_peer([&fds] { ::close(fds[1]); });
  std::optional<eventlet::greenthread<void>> reader;
  {
    way w;
    if (!w.join || w.libev) {  // leave() is the join's; transports are libevent's
      ::close(fds[0]);
      return;
    }
    auto t = std::make_shared<embed::green_transport>(
        bufferevent_socket_new(w.base, fds[0], BEV_OPT_CLOSE_ON_FREE));
    // The greenthread holds the only reference to the transport, and waits in read().
    reader = eventlet::spawn(eventlet::spawn_options{.name = "reader"}, [t] { t->read(1); });
    t.reset();
    w.run([] { eventlet::sleep(0.01); });
    REQUIRE_FALSE(reader->dead());
  }  // leaves, then frees the loop: the transport must have gone before
  CHECK(log.has({"embed::leave", "reader"}));
  CHECK(reader->dead());
  // Were it still waiting, its transport would now be freed into the freed loop.
  reader->kill();
  reader.reset();
  // Its end closed the transport's socket.
  char c;
  CHECK(::recv(fds[1], &c, 1, MSG_DONTWAIT) == 0);
}
