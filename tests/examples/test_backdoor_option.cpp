// --backdoor PATH, which every example server takes (the embed ones too, where embed/ is built):
// the console answers on that Unix socket while the server serves.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "example.hpp"
#include "green/net.hpp"

using namespace eventlet;
using example_tests::example;
using hub_tests::hub_test;

TEST_CASE_FIXTURE(hub_test, "every example server serves the backdoor console with --backdoor") {
  char dir[] = "/tmp/examples-backdoor-XXXXXX";
  REQUIRE(::mkdtemp(dir));
  const std::string path = std::string(dir) + "/bd.sock";
  std::vector<std::string> programs = {"ECHO_SERVER", "CHAT_SERVER", "FORWARDER",
                                       "HTTP_HELLO",  "WEB_CHAT",    "TLS_ECHO_SERVER"};
#ifdef EVENTLET_EMBED_EXAMPLES
  programs.insert(programs.end(), {"EMBED_FORWARDER", "EMBED_EVHTTP_PROXY"});
#endif
  for (const std::string& program : programs) {
    CAPTURE(program);
    {
      std::vector<std::string> args = {"--backdoor", path};
      if (program == "FORWARDER") args.insert(args.end(), {"--to", "127.0.0.1:9"});
      if (program == "EMBED_FORWARDER") args.insert(args.end(), {"--to", "9"});
      if (program == "EMBED_EVHTTP_PROXY") args.insert(args.end(), {"--backend", "9"});
      // The embed examples' hub is joined to their own libevent loop, whatever EVENTLET_HUB says.
      const std::string backend =
          program.starts_with("EMBED_") ? "libevent (joined)" : hub_tests::expected_hub();
      example server(program.c_str(), args);
      struct stat st;
      REQUIRE(::stat(path.c_str(), &st) == 0);
      CHECK((st.st_mode & 0777) == 0600);
      green::socket c(AF_UNIX, SOCK_STREAM);
      c.connect(green::address::unix_path(path));
      c.sendall("hub\nquit\n");
      std::string got;
      for (std::string part; !(part = c.recv(4096)).empty();) got += part;
      CHECK(got.find("backend: " + backend) != std::string::npos);
      CHECK(got.ends_with("bye\n"));
    }
    ::unlink(path.c_str());
  }
  ::rmdir(dir);
}
