// green ssl interop: green clients and servers with the real openssl s_server and s_client.
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "green/stream.hpp"
#include "tls_helpers.hpp"

extern char** environ;

using namespace eventlet;
using green::tls_context;
using green::tls_socket;
using hub_tests::hub_test;
using namespace tls_tests;

namespace {

// A program whose stdin, stdout and stderr are one end of a socket pair (so writing to it
// never raises SIGPIPE); it is killed and reaped when this is destroyed, even when a check
// failed. Reads time out after 10 s, so a silent program fails the test instead of hanging it.
struct child_process {
  pid_t pid = -1;
  green::socket io;  // its stdin, and its stdout and stderr
  green::stream output{io};

  explicit child_process(const std::vector<std::string>& argv) {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) < 0)
      throw std::system_error(errno, std::generic_category(), "socketpair");
    io = green::socket::adopt(ends[0]);
    io.set_timeout(10);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
      posix_spawn_file_actions_adddup2(&actions, ends[1], fd);
    const int error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(ends[1]);
    if (error) throw std::system_error(error, std::generic_category(), "posix_spawnp");
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  ~child_process() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }

  // Reads its output up to a line that begins with `start`, and returns that line.
  std::string line_starting(std::string_view start) {
    for (std::string line; !(line = output.readline()).empty();)
      if (line.starts_with(start)) return line;
    throw std::runtime_error("the program ended before printing a line starting with '" +
                             std::string(start) + "'");
  }

  // Waits for it to end (for its output to end, within 10 s, then for the process) and
  // returns its exit status (-1: a signal killed it).
  int wait() {
    while (!output.read(4096).empty()) {
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

// openssl s_server on 127.0.0.1 with the test server certificate, for one connection.
struct openssl_server : child_process {
  int port;
  explicit openssl_server(std::vector<std::string> options)
      : child_process(arguments(std::move(options))),
        port(std::stoi(line_starting("ACCEPT 127.0.0.1:").substr(17))) {}

  static std::vector<std::string> arguments(std::vector<std::string> options) {
    std::vector<std::string> argv = {
        "openssl",         "s_server", "-accept",        "127.0.0.1:0", "-cert",
        pki().server_cert, "-key",     pki().server_key, "-naccept",    "1"};
    argv.insert(argv.end(), options.begin(), options.end());
    return argv;
  }
};

}  // namespace

TEST_CASE_FIXTURE(hub_test, "ssl interop: a green client and openssl s_server, TLS 1.3 and 1.2") {
  tls_context client = new_trusting_client();
  client.set_alpn_protocols({"echo"});
  for (const std::string version : {"1.3", "1.2"}) {
    CAPTURE(version);
    openssl_server server({"-rev", version == "1.3" ? "-tls1_3" : "-tls1_2", "-alpn", "x,echo"});
    tls_socket s = green::connect_tls({"127.0.0.1", server.port}, "localhost", client, 10.0);
    s.set_timeout(10);
    CHECK(s.version() == "TLSv" + version);
    CHECK(s.selected_alpn() == "echo");
    green::stream lines(s);
    lines.write("hello tls\n");
    lines.flush();
    CHECK(lines.readline() == "slt olleh\n");  // -rev: it sends each line back reversed
  }
}

TEST_CASE_FIXTURE(hub_test,
                  "ssl interop: openssl s_client and a green server: SNI, ALPN, key update, "
                  "clean close") {
  tls_context context = test_server();
  context.set_alpn_protocols({"echo"});
  green::tls_listener listener(green::listen({"127.0.0.1", 0}), context);
  listener.set_timeout(10);
  child_process client({"openssl", "s_client", "-connect", listener.getsockname().to_string(),
                        "-CAfile", pki().ca, "-verify_return_error", "-servername", "localhost",
                        "-alpn", "echo", "-brief"});
  auto [connection, peer] = listener.accept();
  connection.set_timeout(10);
  auto serving = spawn([&c = connection] {
    green::stream lines(c);
    for (std::string line; !(line = lines.readline()).empty();) {
      lines.write(line);
      lines.flush();
    }
    return true;  // recv() said "": close_notify (tls_eof_error otherwise)
  });
  client.io.sendall("ping\n");
  CHECK(client.line_starting("ping") == "ping\n");
  CHECK(connection.server_name() == "localhost");
  CHECK(connection.selected_alpn() == "echo");
  CHECK(connection.version() == "TLSv1.3");
  client.io.sendall("K\n");  // s_client: update your key, and ask the server to update its
  client.line_starting("KEYUPDATE");
  client.io.sendall("pong\n");
  CHECK(client.line_starting("pong") == "pong\n");
  client.io.shutdown(SHUT_WR);  // EOF on its stdin: it closes TLS cleanly
  CHECK(serving.wait());
  connection.close();  // s_client waits for this before it exits
  CHECK(client.wait() == 0);
}

TEST_CASE_FIXTURE(hub_test, "ssl interop: a green server refuses openssl s_client's TLS 1.1") {
  green::tls_listener listener({"127.0.0.1", 0}, pki().server_cert, pki().server_key);
  listener.set_timeout(10);
  child_process client(
      {"openssl", "s_client", "-connect", listener.getsockname().to_string(), "-tls1_1", "-brief"});
  auto [connection, peer] = listener.accept();
  connection.set_timeout(10);
  CHECK(tls_failure_of([&] { connection.handshake(); }) == "handshake: unsupported protocol");
  connection.close();
  CHECK(client.wait() != 0);
}
