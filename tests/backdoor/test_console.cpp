// backdoor::console's commands, and serve()'s refusal of a non-loopback listener.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "../support/fixture.hpp"
#include "backdoor/serve.hpp"
#include "coros/event.hpp"
#include "green/net.hpp"

using namespace eventlet;
using hub_tests::hub_test;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "console: commands, errors and application commands") {
  backdoor::console c;
  bool quit = false;
  CHECK(has(c.answer("help", quit), "greenthreads: "));
  CHECK(c.answer("   ", quit).empty());
  CHECK(has(c.answer("\x01\xff garbage", quit), "error: unknown command '?\?'; try help"));
  CHECK(has(c.answer(std::string(1000, 'x'), quit), "...'"));
  CHECK(has(c.answer("kill", quit), "error: usage: kill ID"));
  CHECK(has(c.answer("kill 12x", quit), "error: usage: kill ID"));
  CHECK(has(c.answer("kill 99999", quit), "error: no greenthread #99999"));
  CHECK_FALSE(quit);
  c.add("stats", "counters", [](std::string_view args) { return "args=" + std::string(args); });
  CHECK(c.answer("stats  a b ", quit) == "args=a b\n");
  c.add("boom", "fails", [](std::string_view) -> std::string { throw std::runtime_error("no"); });
  CHECK(c.answer("boom", quit) == "error: no\n");
  CHECK_THROWS_AS(c.add("kill", "x", [](std::string_view) { return std::string(); }),
                  std::invalid_argument);
  CHECK_THROWS_AS(c.add("a b", "x", [](std::string_view) { return std::string(); }),
                  std::invalid_argument);
  CHECK(c.answer("quit", quit) == "bye\n");
  CHECK(quit);
}

TEST_CASE_FIXTURE(hub_test, "console: kill ID kills that greenthread") {
  backdoor::console c;
  event<void> never;
  auto victim = spawn([&] { never.wait(); });
  sleep(0);
  const hubs::task* t = victim.greenlet()->task();
  REQUIRE(t);
  bool quit = false;
  CHECK(c.answer("kill " + std::to_string(t->id()), quit) ==
        "killed #" + std::to_string(t->id()) + "\n");
  CHECK(victim.dead());
}

TEST_CASE_FIXTURE(hub_test, "serve: a non-loopback listener needs allow_remote and a token") {
  auto listener = green::listen({"0.0.0.0", 0});
  CHECK_THROWS_WITH_AS(backdoor::serve(listener), doctest::Contains("not a loopback address"),
                       std::invalid_argument);
  backdoor::serve_options remote;
  remote.allow_remote = true;
  CHECK_THROWS_AS(backdoor::serve(listener, remote), std::invalid_argument);
  backdoor::serve_options token_only;
  token_only.token = "s3cret";
  CHECK_THROWS_AS(backdoor::serve(listener, token_only), std::invalid_argument);
  backdoor::serve_options no_clients;
  no_clients.max_clients = 0;
  CHECK_THROWS_AS(backdoor::serve(listener, no_clients), std::invalid_argument);
  // Allowed with both, and then a client must give the token first.
  const int port = listener.getsockname().port();
  remote.token = "s3cret";
  auto server = spawn([&] { backdoor::serve(listener, remote); });
  green::socket bad = green::connect({"127.0.0.1", port});
  bad.sendall("guess\nhelp\n");
  std::string got;
  for (std::string part; !(part = bad.recv(4096)).empty();) got += part;
  CHECK(got == "error: wrong token\n");
  green::socket good = green::connect({"127.0.0.1", port});
  good.sendall("s3cret\nquit\n");
  got.clear();
  for (std::string part; !(part = good.recv(4096)).empty();) got += part;
  CHECK(got == "eventlet backdoor; type help\n> bye\n");
  server.kill();
}
