// A zero-downtime restart of one server (docs/deployment.md): under a load that opens a new
// connection for each request, a new http_hello starts on the port of the running one with
// --reuse-port on (SO_REUSEPORT, and it takes the new connections over), then the old one gets
// SIGTERM, empties its queue and exits 0; twice. No request may fail.
#include <memory>
#include <string>
#include <vector>

#include "deployment.hpp"

using deployment_tests::load;
using deployment_tests::load_result;
using example_tests::example;
using hub_tests::hub_test;
using namespace eventlet;

TEST_CASE_FIXTURE(hub_test,
                  "zero-downtime restart: a new process takes the port over, no request fails") {
  auto serving =
      std::make_unique<example>("HTTP_HELLO", std::vector<std::string>{"--reuse-port", "on"});
  const std::string port = std::to_string(serving->where().port());
  load clients("http://127.0.0.1:" + port + "/", {"-c16", "-H", "Connection: close"});
  sleep(0.5);
  for (int restart = 0; restart < 2; ++restart) {
    // The new process says it listens once it has taken the port over.
    auto next = std::make_unique<example>(
        "HTTP_HELLO", std::vector<std::string>{"--port", port, "--reuse-port", "on"});
    sleep(0.2);
    CHECK(example::exited_cleanly(serving->stop()));
    serving = std::move(next);
    sleep(0.5);
  }
  const load_result r = clients.stop();
  MESSAGE("two restarts under wrk -t1 -c16 -H 'Connection: close': " << r.requests << " requests");
  INFO(r.text);
  CHECK(!r.failed());
  CHECK(r.requests > 0);
}
