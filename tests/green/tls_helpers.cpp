// The TLS tests' shared helpers: the test certificates, made with the openssl program, and
// contexts and handshaken pairs on them.
#include "tls_helpers.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

extern char** environ;

using namespace eventlet;
using green::tls_context;

namespace tls_tests {

namespace {

// Runs `argv` to its end with its output discarded; throws unless it exits with 0. It blocks
// the thread: for setting up only.
void run_program(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error) throw std::system_error(error, std::generic_category(), "posix_spawnp " + argv[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string line;
    for (const std::string& a : argv) line += a + " ";
    throw std::runtime_error("this failed: " + line);
  }
}

}  // namespace

test_pki::test_pki() {
  char pattern[] = "/tmp/eventlet-tls-test-XXXXXX";
  if (!mkdtemp(pattern)) throw std::system_error(errno, std::generic_category(), "mkdtemp");
  dir = pattern;
  const auto file = [this](const char* name) { return dir + "/" + name; };
  ca = file("ca.pem"), ca_key = file("ca.key");
  server_cert = file("server.pem"), server_key = file("server.key");
  self_cert = file("self.pem"), self_key = file("self.key");
  client_cert = file("client.pem"), client_key = file("client.key");
  std::ofstream(file("server.ext"))
      << "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n";
  std::ofstream(file("client.ext")) << "basicConstraints=CA:FALSE\n";

  const auto new_key = [](const std::string& key, std::vector<std::string> args) {
    for (const char* a :
         {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout"})
      args.push_back(a);
    args.push_back(key);
    run_program(args);
  };
  const auto self_signed = [&](const std::string& cert, const std::string& key, const char* subject,
                               std::vector<std::string> extra) {
    std::vector<std::string> args = {"openssl", "req",   "-x509", "-days", "2",
                                     "-subj",   subject, "-out",  cert};
    args.insert(args.end(), extra.begin(), extra.end());
    new_key(key, args);
  };
  const auto by_ca = [&](const std::string& cert, const std::string& key, const char* subject,
                         const std::string& extensions) {
    const std::string request = cert + ".csr";
    new_key(key, {"openssl", "req", "-subj", subject, "-out", request});
    run_program({"openssl", "x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key,
                 "-CAcreateserial", "-days", "2", "-extfile", extensions, "-out", cert});
  };
  self_signed(ca, ca_key, "/CN=eventlet test CA", {});
  by_ca(server_cert, server_key, "/CN=localhost", file("server.ext"));
  self_signed(self_cert, self_key, "/CN=localhost",
              {"-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"});
  by_ca(client_cert, client_key, "/CN=eventlet test client", file("client.ext"));
}

test_pki::~test_pki() {
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d))
      if (e->d_name[0] != '.') unlink((dir + "/" + e->d_name).c_str());
    closedir(d);
  }
  rmdir(dir.c_str());
}

const test_pki& pki() {
  static const test_pki made;
  return made;
}

tls_context new_trusting_client() {
  tls_context c = tls_context::client();
  c.load_verify_locations(pki().ca);
  return c;
}

const tls_context& trusting_client() {
  static const tls_context shared = new_trusting_client();
  return shared;
}
const tls_context& default_client() {
  static const tls_context shared = tls_context::client();
  return shared;
}

tls_context test_server() { return tls_context::server(pki().server_cert, pki().server_key); }

std::pair<green::socket, green::socket> tcp_pair() {
  green_tests::loopback_listener listener;
  green::socket client = green::connect(listener.where);
  return {listener.socket.accept().first, std::move(client)};
}

tls_pair handshaken(std::pair<green::socket, green::socket> link, const tls_context& server,
                    const tls_context& client, const std::string& host) {
  tls_pair p{green::wrap_tls(std::move(link.second), client, host),
             green::wrap_tls(std::move(link.first), server)};
  auto server_side = spawn([&p] { p.server.handshake(); });
  try {
    p.client.handshake();
  } catch (...) {
    p.client.close();
    try {
      server_side.wait();
    } catch (...) {
    }
    throw;
  }
  server_side.wait();
  return p;
}

tls_pair handshaken(const tls_context& server, const tls_context& client, const std::string& host) {
  return handshaken(green::socketpair(), server, client, host);
}

std::string handshake_timeout_message(const char* seconds) {
  return std::string("handshake: timed out (not done within the handshake timeout of ") + seconds +
         " s)";
}

}  // namespace tls_tests
