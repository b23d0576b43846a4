// embed_forwarder and embed_evhttp_proxy: applications that own their libevent loop.
#include <string>
#include <vector>

#include "echo_clients.hpp"
#include "http/client.hpp"

using namespace eventlet;
using example_tests::example;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test,
                  "embed_forwarder: in front of echo_server, clients get back what they send") {
  example echo("ECHO_SERVER");
  example forwarder("EMBED_FORWARDER", {"--to", std::to_string(echo.where().port())});
  CHECK(example_tests::echo_clients(forwarder.where(), 20, 5) == 0);
  example_tests::large_echo(forwarder.where(), 4 << 20);
}

TEST_CASE_FIXTURE(hub_test, "embed_evhttp_proxy: 100 requests to a 0.2 s backend at once") {
  example backend("SLOW_BACKEND");
  example proxy("EMBED_EVHTTP_PROXY", {"--backend", std::to_string(backend.where().port())});
  const std::string base = "http://" + proxy.where().to_string();
  http::client warm;
  CHECK(warm.get(base + "/warm").body == "slow /warm");
  // 100 GETs at once to `origin`; returns how long they took.
  auto hundred = [](const std::string& origin) {
    const double start = hubs::hub::clock();
    std::vector<greenthread<std::string>> all;
    for (int i = 0; i < 100; ++i)
      all.push_back(spawn([&origin, i] {
        http::client c;
        auto r = c.get(origin + "/r" + std::to_string(i));
        return std::to_string(r.status) + " " + r.body;
      }));
    for (int i = 0; i < 100; ++i) CHECK(all[i].wait() == "200 slow /r" + std::to_string(i));
    return hubs::hub::clock() - start;
  };
  const double direct = hundred("http://" + backend.where().to_string());
  const double took = hundred(base);
  MESSAGE("100 concurrent requests to a 0.2 s backend: through embed_evhttp_proxy "
          << took << " s, straight to the backend " << direct << " s");
  CHECK(took < 1.0);  // about 0.2 s; a serial proxy would take 20 s
}
