// --backdoor PATH, which every example server takes: the console answers on that Unix socket
// while the server serves.
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
  for (const char* program :
       {"ECHO_SERVER", "CHAT_SERVER", "FORWARDER", "HTTP_HELLO", "WEB_CHAT", "TLS_ECHO_SERVER"}) {
    CAPTURE(program);
    {
      std::vector<std::string> args = {"--backdoor", path};
      if (std::string(program) == "FORWARDER") args.insert(args.end(), {"--to", "127.0.0.1:9"});
      example server(program, args);
      struct stat st;
      REQUIRE(::stat(path.c_str(), &st) == 0);
      CHECK((st.st_mode & 0777) == 0600);
      green::socket c(AF_UNIX, SOCK_STREAM);
      c.connect(green::address::unix_path(path));
      c.sendall("hub\nquit\n");
      std::string got;
      for (std::string part; !(part = c.recv(4096)).empty();) got += part;
      CHECK(got.find("backend: " + hub_tests::expected_hub()) != std::string::npos);
      CHECK(got.ends_with("bye\n"));
    }
    ::unlink(path.c_str());
  }
  ::rmdir(dir);
}
