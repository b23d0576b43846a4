// hub::shutdown() where it is hardest: a killed greenthread that then waits for what nothing
// can bring, and hubs on an application's own libevent base or libev loop, which the
// application frees after the shutdown.
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/log.hpp"
#include "coros/event.hpp"
#include "coros/greenthread.hpp"
#include "helpers.hpp"
#include "hubs/hub_config.hpp"
#include "hubs/trampoline.hpp"

// libev's header first: libevent's EV_READ macro breaks it the other way round.
#if EVENTLET_HUB_LIBEV
#include <ev.h>

#include "hubs/libev.hpp"
#endif
#if EVENTLET_HUB_LIBEVENT
#include <event2/event.h>

#include "hubs/libevent.hpp"
#endif

using namespace eventlet;

namespace {

// Runs greenthreads that use timers and an fd on the calling thread's hub; returns whether
// they all finished as they should.
bool exercise_hub() {
  int p[2];
  if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) return false;
  auto reader = spawn([&] {
    hubs::trampoline(p[0], hubs::io::read, 5);
    return true;
  });
  auto sleeper = spawn([] {
    eventlet::sleep(0.005);
    return true;
  });
  eventlet::sleep(0.001);
  const bool wrote = write(p[1], "x", 1) == 1;
  const bool ok = wrote && reader.wait() && sleeper.wait();
  hubs::get_hub().notify_close(p[0]);
  close(p[0]);
  close(p[1]);
  return ok;
}

}  // namespace

TEST_CASE("isolated: shutdown abandons a killed greenthread that waits for nothing") {
  hubs::use_hub(isolated::hub_name());
  std::vector<std::string> warnings;
  std::mutex m;
  log_handler previous = set_log_handler([&](log_level level, std::string_view message) {
    std::lock_guard lock(m);
    if (level == log_level::warning) warnings.emplace_back(message);
  });
  auto never = std::make_shared<eventlet::event<>>();
  auto stubborn = spawn(spawn_options{.name = "stubborn"}, [never] {
    try {
      never->wait();
    } catch (const greenlet_exit&) {
      auto nothing = std::make_shared<eventlet::event<>>();
      nothing->wait();  // nothing will ever send it
    }
  });
  auto polite = spawn(spawn_options{.name = "polite"}, [never] { never->wait(); });
  eventlet::sleep(0);
  hubs::shutdown();
  set_log_handler(std::move(previous));
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("'stubborn'") != std::string::npos);
  CHECK(warnings[0].find("abandoned") != std::string::npos);
  CHECK(polite.dead());
  CHECK_FALSE(stubborn.dead());
  CHECK(hubs::get_hub().greenthread_count() == 0);  // opened again, empty
  CHECK(exercise_hub());
}

#if EVENTLET_HUB_LIBEVENT
TEST_CASE("isolated: an application frees its libevent base after the hub's shutdown") {
  event_base* base = event_base_new();
  REQUIRE(base);
  hubs::use_hub(hubs::libevent_backend(base));
  CHECK(hubs::get_hub().name() == "libevent");
  CHECK(exercise_hub());
  auto left = spawn([] { eventlet::sleep(100); });  // still waiting at the shutdown
  eventlet::sleep(0);
  hubs::shutdown();
  CHECK(left.dead());
  CHECK(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED | EVENT_BASE_COUNT_ACTIVE) == 0);
  event_base_free(base);
  CHECK(exercise_hub());  // the thread's hub opens again, on its usual backend
}
#endif

#if EVENTLET_HUB_LIBEV
TEST_CASE("isolated: an application frees its libev loop after the hub's shutdown") {
  struct ev_loop* loop = ev_loop_new(EVFLAG_AUTO);
  REQUIRE(loop);
  hubs::use_hub(hubs::libev_backend(loop));
  CHECK(hubs::get_hub().name() == "libev");
  CHECK(exercise_hub());
  auto left = spawn([] { eventlet::sleep(100); });
  eventlet::sleep(0);
  hubs::shutdown();
  CHECK(left.dead());
  CHECK(ev_run(loop, EVRUN_NOWAIT) == 0);  // false: no watcher of the hub's is active
  ev_loop_destroy(loop);
  CHECK(exercise_hub());
}
#endif

#if EVENTLET_HUB_LIBEV
TEST_CASE("isolated: a system error inside libev is a logged exception not an abort") {
  std::vector<std::string> errors;
  std::mutex m;
  log_handler previous = set_log_handler([&](log_level level, std::string_view message) {
    std::lock_guard lock(m);
    if (level == log_level::error) errors.emplace_back(message);
  });
  const int lowest_free = dup(0);
  close(lowest_free);
  struct ev_loop* loop = ev_loop_new(EVBACKEND_EPOLL);  // its epoll fd takes that number
  REQUIRE(loop);
  hubs::use_hub(hubs::libev_backend(loop));
  eventlet::sleep(0.001);  // the hub's own fd is registered: no epoll_ctl is left to make
  close(lowest_free);      // and the next epoll_wait fails with EBADF
  std::string thrown;
  try {
    eventlet::sleep(0.001);
  } catch (const std::system_error& e) {
    thrown = e.what();
  }
  set_log_handler(std::move(previous));
  CHECK(thrown.find("libev") != std::string::npos);
  REQUIRE_FALSE(errors.empty());
  CHECK(errors[0].find("libev: (libev) epoll_wait") == 0);
  hubs::shutdown();  // the application's loop is free of the hub's watchers again
  ev_loop_destroy(loop);
  CHECK(exercise_hub());
}
#endif

TEST_CASE("isolated: a select hub with more than FD_SETSIZE fds open") {
  // Every fd below FD_SETSIZE in use: no room for the select hub's wake-up fd.
  std::vector<int> held;
  for (int fd; (fd = dup(0)) >= 0 && fd < FD_SETSIZE + 64;) held.push_back(fd);
  const int fds_before = isolated::open_fds(8192);
  std::string refused;
  std::thread([&] {
    try {
      hubs::use_hub("select");
    } catch (const hubs::hub_error& e) {
      refused = e.what();
    }
  }).join();
  CHECK(refused.find("wake-up fd") != std::string::npos);
  CHECK(isolated::open_fds(8192) == fds_before);  // the failed attempt leaked nothing
  // Three fds below the limit free again (the wake-up fd and a pipe): the select hub works,
  // whatever else is open.
  for (int i : {10, 11, 12}) close(std::exchange(held[i], -1));
  bool worked = false;
  std::thread([&] {
    try {
      hubs::use_hub("select");
      worked = exercise_hub();
    } catch (const std::exception& e) {
      MESSAGE(e.what());
    }
  }).join();
  CHECK(worked);
  for (int fd : held)
    if (fd >= 0) close(fd);
}
