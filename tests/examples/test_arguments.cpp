// The examples' command lines: a bad one prints the usage and exits 2; EVENTLET_HUB is read
// before they listen.
#include <string>
#include <vector>

#include "example.hpp"

using example_tests::outcome;
using example_tests::run;
using hub_tests::hub_test;

namespace {

// The programs: the variable meson sets, the name, the usage line, a good command line.
struct program {
  const char* variable;
  const char* name;
  const char* usage;
  std::vector<std::string> good_args;
};
const program programs[] = {
    {"CHAT_SERVER",
     "chat_server",
     "usage: chat_server [--port N] [--backdoor PATH]\n",
     {"--port", "0"}},
    {"ECHO_SERVER",
     "echo_server",
     "usage: echo_server [--port N] [--threads N] [--backdoor PATH]\n",
     {"--port", "0"}},
    {"FORWARDER",
     "forwarder",
     "usage: forwarder [--port N] --to HOST:PORT [--backdoor PATH]\n",
     {"--port", "0", "--to", "127.0.0.1:1"}},
    {"HTTP_HELLO",
     "http_hello",
     "usage: http_hello [--port N] [--threads N | --reuse-port on|off] [--backdoor PATH]\n",
     {"--port", "0"}},
};

// Checks that `o` is an exit with status 2 saying `problem` and the usage of `p`.
void check_refused(const program& p, const outcome& o, const std::string& problem) {
  INFO(std::string(p.name) << " said: " << o.err);
  CHECK(WIFEXITED(o.status));
  CHECK(WEXITSTATUS(o.status) == 2);
  CHECK(o.out == "");
  CHECK(o.err == problem + "\n" + p.usage);
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "examples: a bad command line prints the usage and exits 2") {
  for (const program& p : programs) {
    check_refused(p, run(p.variable, {"--bogus", "1"}), "unknown argument '--bogus'");
    check_refused(p, run(p.variable, {"--port"}), "--port needs a value");
    check_refused(p, run(p.variable, {"--port", "65536"}),
                  "--port '65536' is not a port number (0..65535)");
    check_refused(p, run(p.variable, {"--port", "1x"}),
                  "--port '1x' is not a port number (0..65535)");
    check_refused(p, run(p.variable, {"--port", "0", "--port", "0"}), "--port is given twice");
  }
  const program& forwarder = programs[2];
  check_refused(forwarder, run(forwarder.variable, {"--port", "0"}), "--to is required");
  check_refused(forwarder, run(forwarder.variable, {"--to", "127.0.0.1"}),
                "--to '127.0.0.1' is not HOST:PORT");
  check_refused(forwarder, run(forwarder.variable, {"--to", "127.0.0.1:http"}),
                "the port of --to 'http' is not a port number (0..65535)");
  const program& http_hello = programs[3];
  check_refused(http_hello, run(http_hello.variable, {"--reuse-port", "yes"}),
                "--reuse-port 'yes' is not on or off");
  check_refused(http_hello, run(http_hello.variable, {"--threads", "0"}),
                "--threads '0' is not a number from 1 to 1024");
  check_refused(http_hello, run(http_hello.variable, {"--threads", "2", "--reuse-port", "on"}),
                "--threads and --reuse-port on do not go together (a takeover steers to one "
                "socket)");
}

TEST_CASE_FIXTURE(hub_test, "examples: an unusable EVENTLET_HUB fails before listening") {
  for (const program& p : programs) {
    const outcome o = run(p.variable, p.good_args, {"EVENTLET_HUB=bogus"});
    INFO(std::string(p.name) << " said: " << o.err);
    CHECK(WIFEXITED(o.status));
    CHECK(WEXITSTATUS(o.status) == 1);
    CHECK(o.out == "");
    CHECK(o.err.starts_with(std::string(p.name) +
                            ": EVENTLET_HUB=bogus: no such hub (usable hubs: "));
  }
}
