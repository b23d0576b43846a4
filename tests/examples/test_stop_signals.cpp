// Every example server stops on SIGINT and on SIGTERM, sent as soon as it says it listens and
// with a client connected: it closes the connection and exits with status 0 (the forwarders
// while relaying a connection to their target, which they hold open too).
#include <signal.h>

#include <string>
#include <system_error>
#include <vector>

#include "example.hpp"
#include "green/net.hpp"

using namespace eventlet;
using example_tests::example;
using hub_tests::hub_test;

namespace {

// How a test client makes sure the server has taken its connection in hand.
enum class talk {
  echo,    // an echo through it
  http,    // a GET answered, the connection kept alive
  accept,  // the server holds one fd more (it waits for the client to speak)
};

struct server_case {
  const char* variable;
  std::vector<std::string> args;
  talk how;
};

// connect_and_talk() connects to `server` and talks as `how` says; the connection stays open.
green::socket connect_and_talk(const example& server, talk how) {
  const int fds = how == talk::accept ? server.open_fds() : 0;
  green::socket s = green::connect(server.where(), 60);
  s.set_timeout(60);  // a guard against a hang, not a timing check
  std::string got;
  switch (how) {
    case talk::echo:
      s.sendall("ping\n");
      while (got.size() < 5) {
        const std::string part = s.recv(64);
        REQUIRE_FALSE(part.empty());
        got += part;
      }
      CHECK(got == "ping\n");
      break;
    case talk::http:
      s.sendall("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      while (got.find("\r\n\r\n") == std::string::npos) {
        const std::string part = s.recv(4096);
        REQUIRE_FALSE(part.empty());
        got += part;
      }
      CHECK(got.starts_with("HTTP/1.1 200"));
      break;
    case talk::accept:
      CHECK(server.wait_for_fds(fds + 1) == fds + 1);
      break;
  }
  return s;
}

// closed() tells whether the server closed `s`: what it still sends, then EOF or a reset.
bool closed(green::socket& s) {
  try {
    while (!s.recv(4096).empty()) {
    }
    return true;
  } catch (const std::system_error& e) {
    return e.code() == std::errc::connection_reset;
  }
}

}  // namespace

TEST_CASE_FIXTURE(hub_test,
                  "every example server exits with status 0 on SIGINT and on SIGTERM, with a "
                  "client connected") {
  example echo("ECHO_SERVER");
  example hello("HTTP_HELLO");
  std::vector<server_case> cases = {
      {"ECHO_SERVER", {}, talk::echo},
      {"TLS_ECHO_SERVER", {}, talk::accept},
      {"HTTP_HELLO", {}, talk::http},
      {"CHAT_SERVER", {}, talk::accept},
      {"FORWARDER", {"--to", echo.where().to_string()}, talk::echo},
      {"WEB_CHAT", {}, talk::http},
  };
#ifdef EVENTLET_EMBED_EXAMPLES
  cases.push_back({"EMBED_FORWARDER", {"--to", std::to_string(echo.where().port())}, talk::echo});
  cases.push_back(
      {"EMBED_EVHTTP_PROXY", {"--backend", std::to_string(hello.where().port())}, talk::http});
#endif
  for (const server_case& c : cases)
    for (int signo : {SIGINT, SIGTERM}) {
      const std::string name = c.variable;
      CAPTURE(name);
      CAPTURE(signo);
      {  // as soon as it says it listens: its signal handling is in place by then
        example server(c.variable, c.args);
        const int status = server.stop(signo);
        CHECK_MESSAGE(example::exited_cleanly(status), "idle: wait status " << status);
      }
      example server(c.variable, c.args);
      green::socket client = connect_and_talk(server, c.how);
      const int status = server.stop(signo);
      CHECK_MESSAGE(example::exited_cleanly(status), "with a client: wait status " << status);
      CHECK(closed(client));
    }
}
