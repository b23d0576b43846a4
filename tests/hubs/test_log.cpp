// The log hook: the library's own messages and libevent's go through set_log_handler().
#include <mutex>
#include <string>
#include <vector>

#include "../support/fixture.hpp"
#include "base/log.hpp"
#include "hubs/hub_config.hpp"

#if EVENTLET_HUB_LIBEVENT
#include <event2/event.h>

#include "hubs/libevent.hpp"
#endif

using namespace eventlet;
using hub_tests::hub_test;

namespace {

// Collects the messages logged while it lives, then puts the previous handler back.
struct collected_log {
  std::mutex m;
  std::vector<std::string> lines;
  log_handler previous;
  collected_log() {
    previous = set_log_handler([this](log_level level, std::string_view message) {
      std::lock_guard lock(m);
      lines.push_back(std::string(level == log_level::error     ? "error: "
                                  : level == log_level::warning ? "warning: "
                                                                : "other: ") +
                      std::string(message));
    });
  }
  ~collected_log() { set_log_handler(std::move(previous)); }
};

}  // namespace

TEST_CASE_FIXTURE(hub_test, "the library's messages go through the log hook") {
  collected_log log;
  spawn_n(spawn_options{.name = "noisy"}, [] { throw std::runtime_error("boom"); });
  eventlet::sleep(0.001);
  CHECK(log.lines == std::vector<std::string>{
                         "error: exception in greenthread 'noisy' (nobody waited for it): boom"});
}

#if EVENTLET_HUB_LIBEVENT
TEST_CASE("libevent's own warnings go through the log hook") {
  event_base* owned = event_base_new();
  REQUIRE(owned);
  hubs::libevent_backend(owned).reset();  // making a libevent hub installs the callbacks
  event_base_free(owned);
  collected_log log;
  event_config* none = event_config_new();
  for (const char** m = event_get_supported_methods(); *m; ++m) event_config_avoid_method(none, *m);
  CHECK(event_base_new_with_config(none) == nullptr);  // libevent warns: no mechanism left
  event_config_free(none);
  REQUIRE_FALSE(log.lines.empty());
  CHECK(log.lines[0].rfind("warning: libevent: ", 0) == 0);
}
#endif
