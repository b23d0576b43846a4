// green ssl: TLS between green clients and servers in one process, and with the real openssl
// s_server and s_client, on certificates made for the test run (a CA, a server certificate
// for localhost and 127.0.0.1, a self-signed one, a client's): verification, ALPN, SNI, key
// updates, timeouts, clean and unclean closes, kills, bad input.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "green/tls.hpp"
#include "green/stream.hpp"
#include "helpers.hpp"

extern char** environ;

using namespace eventlet;
using green::address;
using green::tls_socket;
using green::tls_context;
using green_tests::fnv1a;
using green_tests::os_failure_of;
using hub_tests::hub_test;

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

// The certificates of the test run, made with the openssl program into a temporary
// directory that is removed at exit: EC P-256 keys, valid for two days.
struct test_pki {
  std::string dir;
  std::string ca, ca_key;               // the test CA, which no system trusts
  std::string server_cert, server_key;  // CN=localhost, for localhost and 127.0.0.1, by the CA
  std::string self_cert, self_key;      // CN=localhost, self-signed
  std::string client_cert, client_key;  // CN=eventlet test client, by the CA

  test_pki() {
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
    const auto self_signed = [&](const std::string& cert, const std::string& key,
                                 const char* subject, std::vector<std::string> extra) {
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

  ~test_pki() {
    if (DIR* d = opendir(dir.c_str())) {
      while (const dirent* e = readdir(d))
        if (e->d_name[0] != '.') unlink((dir + "/" + e->d_name).c_str());
      closedir(d);
    }
    rmdir(dir.c_str());
  }
};

const test_pki& pki() {
  static const test_pki made;
  return made;
}

// A new client context that trusts the test CA too. (Each reads the system's trust store,
// which takes tens of milliseconds: tests that do not change their context share one.)
tls_context new_trusting_client() {
  tls_context c = tls_context::client();
  c.load_verify_locations(pki().ca);
  return c;
}

// A client context shared by the tests that do not change it: one that trusts the test CA,
// and the default one.
const tls_context& trusting_client() {
  static const tls_context shared = new_trusting_client();
  return shared;
}
const tls_context& default_client() {
  static const tls_context shared = tls_context::client();
  return shared;
}

// A server context with the test CA's certificate for localhost.
tls_context test_server() { return tls_context::server(pki().server_cert, pki().server_key); }

std::string read_file(const std::string& name) {
  std::ostringstream text;
  text << std::ifstream(name).rdbuf();
  return text.str();
}

// The message of the tls_error `f` throws ("" if none).
template <typename F>
std::string tls_failure_of(F f) {
  try {
    f();
  } catch (const green::tls_error& e) {
    return e.what();
  }
  return "";
}

// Two connected TCP sockets on loopback: the server's end, the client's end.
std::pair<green::socket, green::socket> tcp_pair() {
  green_tests::loopback_listener listener;
  green::socket client = green::connect(listener.where);
  return {listener.socket.accept().first, std::move(client)};
}

struct tls_pair {
  tls_socket client, server;
};

// Makes TLS connections of the two ends of `link` (the server's first) and completes their
// handshake, the client expecting `host`.
tls_pair handshaken(std::pair<green::socket, green::socket> link, const tls_context& server,
                    const tls_context& client, const std::string& host = "localhost") {
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

// handshaken() over a Unix socket pair.
tls_pair handshaken(const tls_context& server, const tls_context& client,
                    const std::string& host = "localhost") {
  return handshaken(green::socketpair(), server, client, host);
}

// The hash of `total` pseudo-random bytes sent in 1 MiB blocks with sendall.
std::uint64_t send_random(tls_socket& s, std::size_t total, std::uint64_t seed) {
  constexpr std::size_t block_size = 1 << 20;
  std::string block(block_size, '\0');
  std::uint64_t x = seed, hash = fnv1a("");
  for (std::size_t sent = 0; sent < total; sent += block_size) {
    for (std::size_t i = 0; i < block_size; i += 8) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift64
      std::memcpy(&block[i], &x, 8);
    }
    hash = fnv1a(block, hash);
    s.sendall(block);
  }
  return hash;
}

// The hash of the next `total` bytes received.
std::uint64_t receive(tls_socket& s, std::size_t total) {
  std::vector<char> buffer(256 << 10);
  std::uint64_t hash = fnv1a("");
  for (std::size_t received = 0; received < total;) {
    const std::size_t n = s.recv_into(buffer);
    REQUIRE(n > 0);
    hash = fnv1a({buffer.data(), n}, hash);
    received += n;
  }
  return hash;
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "ssl: a client and a server speak TLS 1.3, the server verified") {
  tls_pair p = handshaken(test_server(), trusting_client());
  CHECK(p.client.version() == "TLSv1.3");
  CHECK(p.server.version() == "TLSv1.3");
  CHECK(p.client.peer_subject() == "CN=localhost");
  CHECK(p.server.peer_subject() == "");          // no client certificate
  CHECK(p.server.server_name() == "localhost");  // SNI
  CHECK(p.client.selected_alpn() == "");
  p.client.sendall("hello server");
  CHECK(p.server.recv(100) == "hello server");
  p.server.sendall("hello client");
  CHECK(p.client.recv(100) == "hello client");
}

TEST_CASE_FIXTURE(hub_test,
                  "ssl: 100 clients at once through serve(tls_listener), lines over streams") {
  green::tls_listener server({"127.0.0.1", 0}, pki().server_cert, pki().server_key);
  const address where = server.getsockname();
  int handlers_running = 0;
  auto serving = spawn([&] {
    green::serve(server, [&](tls_socket connection, address) {
      ++handlers_running;
      struct leave {
        int& n;
        ~leave() { --n; }
      } on_exit{handlers_running};
      green::stream s(connection);
      for (std::string line; !(line = s.readline()).empty();) {
        if (line == "stop\n") throw green::stop_serve();
        s.write(line);
        s.flush();
      }
    });
  });
  const tls_context client = trusting_client();
  std::vector<greenthread<bool>> clients;
  for (int i = 0; i < 100; ++i)
    clients.push_back(spawn([&, i] {
      tls_socket s = green::connect_tls(where, "localhost", client);
      green::stream lines(s);
      bool echoed = true;
      for (int j = 0; j < 3; ++j) {
        const std::string line =
            "client " + std::to_string(i) + " line " + std::to_string(j) + "\n";
        lines.write(line);
        lines.flush();
        echoed = echoed && lines.readline() == line;
      }
      return echoed;
    }));
  int echoed = 0;
  for (auto& c : clients) echoed += c.wait();
  CHECK(echoed == 100);
  green::connect_tls(where, "localhost", client).sendall("stop\n");
  serving.wait();
  while (handlers_running > 0) eventlet::sleep(0.001);  // each ends at its client's close_notify
}

TEST_CASE_FIXTURE(
    hub_test, "ssl: 32 MiB each way at once (a reader and a writer on each socket) arrive whole") {
  constexpr std::size_t total = 32 << 20;
  tls_pair p = handshaken(tcp_pair(), test_server(), trusting_client());
  auto client_sends = spawn([&] { return send_random(p.client, total, 0x9e3779b97f4a7c15ull); });
  auto server_sends = spawn([&] { return send_random(p.server, total, 0x0123456789abcdefull); });
  auto server_receives = spawn([&] { return receive(p.server, total); });
  const std::uint64_t client_received = receive(p.client, total);
  CHECK(client_received == server_sends.wait());
  CHECK(server_receives.wait() == client_sends.wait());
}

TEST_CASE_FIXTURE(hub_test, "ssl: data OpenSSL has buffered is read before waiting on the fd") {
  tls_pair p = handshaken(test_server(), trusting_client());
  p.server.sendall("first record");
  p.server.sendall("second record");  // both are in the client's socket buffer now
  CHECK(p.client.recv(1) == "f");     // OpenSSL read ahead: both records, and the kernel has none
  char byte;
  const ssize_t peeked = ::recv(p.client.fileno(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  const int peek_error = errno;
  CHECK(peeked == -1);
  CHECK(peek_error == EAGAIN);
  p.client.set_timeout(0);  // a call that waited on the fd would throw EAGAIN
  std::string rest;
  for (int i = 0; i < 24; ++i) rest += p.client.recv(1);
  CHECK(rest == "irst recordsecond record");
  const auto failure = os_failure_of([&] { p.client.recv(1); });
  CHECK(failure.error == EAGAIN);
  CHECK(failure.what.find("recv") == 0);
  p.server.sendall("more");
  CHECK(p.client.recv(10) == "more");
}

TEST_CASE_FIXTURE(hub_test, "ssl: by default a client refuses a self-signed server, saying why") {
  auto [a, b] = green::socketpair();
  tls_socket server =
      green::wrap_tls(std::move(a), tls_context::server(pki().self_cert, pki().self_key));
  tls_socket client = green::wrap_tls(std::move(b), default_client(), "localhost");
  auto server_side = spawn([&] { return tls_failure_of([&] { server.handshake(); }); });
  CHECK(tls_failure_of([&] { client.handshake(); }) ==
        "handshake: certificate verify failed: self-signed certificate");
  CHECK(server_side.wait() == "handshake: tlsv1 alert unknown ca");  // the client told it why
}

TEST_CASE_FIXTURE(hub_test, "ssl: by default a client refuses a CA the system does not trust") {
  auto [a, b] = green::socketpair();
  tls_socket server = green::wrap_tls(std::move(a), test_server());
  tls_socket client = green::wrap_tls(std::move(b), default_client(), "localhost");
  auto server_side = spawn([&] { return tls_failure_of([&] { server.handshake(); }); });
  CHECK(tls_failure_of([&] { client.handshake(); }) ==
        "handshake: certificate verify failed: unable to get local issuer certificate");
  CHECK_FALSE(server_side.wait().empty());
}

TEST_CASE_FIXTURE(hub_test, "ssl: a certificate for another host name or address is refused") {
  const tls_context server = test_server(), client = trusting_client();
  CHECK_THROWS_WITH_AS(
      handshaken(server, client, "example.com"),
      "handshake: certificate verify failed: hostname mismatch (expected 'example.com')",
      green::tls_error);
  CHECK_THROWS_WITH_AS(
      handshaken(server, client, "127.0.0.2"),
      "handshake: certificate verify failed: IP address mismatch (expected '127.0.0.2')",
      green::tls_error);
  tls_pair by_address = handshaken(server, client, "127.0.0.1");  // in the certificate
  CHECK(by_address.server.server_name() == "");                   // no SNI for an address
}

TEST_CASE_FIXTURE(hub_test, "ssl: set_verify(false) is the client's explicit opt-out") {
  tls_context insecure = tls_context::client();
  insecure.set_verify(false);
  const tls_context self_signed = tls_context::server(pki().self_cert, pki().self_key);
  tls_pair p = handshaken(self_signed, insecure, "");  // no host name needed
  CHECK(p.client.peer_subject() == "CN=localhost");
  tls_pair q = handshaken(test_server(), insecure, "not.the.name");  // sent as SNI, unchecked
  CHECK(q.server.server_name() == "not.the.name");
  q.client.sendall("ok");
  CHECK(q.server.recv(10) == "ok");
}

TEST_CASE_FIXTURE(hub_test, "ssl: ALPN picks the server's first protocol the client offers") {
  tls_context server = test_server();
  server.set_alpn_protocols({"echo", "http/1.1"});
  const auto negotiated = [&](std::vector<std::string> offered) {
    tls_context client = new_trusting_client();
    client.set_alpn_protocols(offered);
    tls_pair p = handshaken(server, client);
    CHECK(p.client.selected_alpn() == p.server.selected_alpn());
    return p.client.selected_alpn();
  };
  CHECK(negotiated({"h2", "http/1.1", "echo"}) == "echo");
  CHECK(negotiated({"h2", "http/1.1"}) == "http/1.1");
  CHECK(negotiated({}) == "");  // a client without ALPN
  CHECK_THROWS_WITH_AS(negotiated({"h2"}), "handshake: tlsv1 alert no application protocol",
                       green::tls_error);
  server.set_alpn_protocols({});  // off: the client's offer is not answered
  CHECK(negotiated({"h2"}) == "");
}

TEST_CASE_FIXTURE(hub_test, "ssl: a server that asks for client certificates verifies them") {
  tls_context server = test_server();
  server.set_verify(true);
  server.load_verify_locations(pki().ca);
  tls_context with_certificate = new_trusting_client();
  with_certificate.load_cert_chain(pki().client_cert, pki().client_key);
  tls_pair p = handshaken(server, with_certificate);
  CHECK(p.server.peer_subject() == "CN=eventlet test client");

  auto [a, b] = green::socketpair();
  tls_socket refusing = green::wrap_tls(std::move(a), server);
  tls_socket anonymous = green::wrap_tls(std::move(b), trusting_client(), "localhost");
  auto server_side = spawn([&] { return tls_failure_of([&] { refusing.handshake(); }); });
  // TLS 1.3: the client's handshake ends before the server has judged it; its first read
  // brings the verdict.
  CHECK(tls_failure_of([&] {
          anonymous.handshake();
          anonymous.recv(1);
        }) == "recv: tlsv13 alert certificate required");
  CHECK(server_side.wait() == "handshake: peer did not return a certificate");
}

TEST_CASE_FIXTURE(hub_test, "ssl: recv and handshake time out with timeout_error") {
  tls_pair p = handshaken(test_server(), trusting_client());
  p.client.set_timeout(0.05);
  CHECK(p.client.timeout() == 0.05);
  CHECK_THROWS_WITH_AS(p.client.recv(10), "recv: timed out", timeout_error);
  p.server.sendall("late");
  CHECK(p.client.recv(10) == "late");  // still usable

  auto [a, b] = green::socketpair();  // `a` never answers
  tls_socket waiting = green::wrap_tls(std::move(b), trusting_client(), "localhost");
  waiting.set_timeout(0.05);
  CHECK_THROWS_WITH_AS(waiting.handshake(), "handshake: timed out", timeout_error);

  green_tests::loopback_listener silent;  // the kernel accepts; nobody speaks TLS
  CHECK_THROWS_WITH_AS(green::connect_tls(silent.where, "localhost", trusting_client(), 0.05),
                       "handshake: timed out", timeout_error);
}

namespace {

// What the handshake timeout of a context set to `seconds` says when it ends a handshake.
std::string handshake_timeout_message(const char* seconds) {
  return std::string("handshake: timed out (not done within the handshake timeout of ") + seconds +
         " s)";
}

}  // namespace

TEST_CASE_FIXTURE(hub_test,
                  "ssl: a silent client holds serve(concurrency 1) only for the handshake "
                  "timeout; the next client is served") {
  tls_context context = test_server();
  context.set_handshake_timeout(0.2);
  green::tls_listener server(green::listen({"127.0.0.1", 0}), context);
  const address where = server.getsockname();
  hub_tests::collected_reports reports(hub);
  std::vector<std::string> timeouts;  // what the handlers' handshakes threw
  auto serving = spawn([&] {
    green::serve(
        server,
        [&](tls_socket connection, address) {
          try {
            connection.handshake();
          } catch (const timeout_error& e) {
            timeouts.push_back(e.what());
            CHECK(e.source() == 0);
            CHECK(connection.fileno() == -1);  // closed
            throw;
          }
          green::stream s(connection);
          s.write(s.readline());
          s.flush();
          throw green::stop_serve();
        },
        1);
  });
  green::socket silent = green::connect(where);  // accepted first; it never speaks
  const double start = hub.clock();
  tls_socket client = green::connect_tls(where, "localhost", trusting_client(), 5.0);
  CHECK(hub.clock() - start < 1.0);  // the silent one held the only slot for 0.2 s
  REQUIRE(timeouts.size() == 1);     // before this client's handshake could begin
  CHECK(timeouts[0] == handshake_timeout_message("0.2"));
  green::stream lines(client);
  lines.write("served\n");
  lines.flush();
  CHECK(lines.readline() == "served\n");
  serving.wait();
  CHECK(reports.lines ==
        std::vector<std::string>{"a serve() handler: " + handshake_timeout_message("0.2")});
  silent.set_timeout(5);
  CHECK(silent.recv(1) == "");  // the server closed it
}

TEST_CASE_FIXTURE(hub_test,
                  "ssl: a client sending a byte every 50 ms does not extend the "
                  "handshake timeout") {
  tls_context context = test_server();
  context.set_handshake_timeout(0.2);
  auto [a, b] = green::socketpair();
  tls_socket server = green::wrap_tls(std::move(a), context);
  // The header of a 16 KiB handshake record, then a byte of it every 50 ms: each wakes the
  // server, which reads it and waits for more; the whole record would take 14 minutes.
  int trickled = 0;
  bool stop = false;
  auto trickling = spawn([&, &client = b] {
    client.sendall(std::string("\x16\x03\x01\x40\x00", 5));
    while (trickled < 40) {  // 2 s at most
      eventlet::sleep(0.05);
      if (stop) break;
      client.sendall(std::string(1, '\0'));
      ++trickled;
    }
  });
  const double start = hub.clock();
  CHECK_THROWS_WITH_AS(server.handshake(), handshake_timeout_message("0.2").c_str(), timeout_error);
  const double took = hub.clock() - start;
  stop = true;
  trickling.wait();
  CHECK(took < 1.0);     // not 2 s, when the trickle stops, as a timeout of each read would
  CHECK(trickled >= 1);  // bytes came while the server waited
  CHECK(server.fileno() == -1);
}

TEST_CASE_FIXTURE(hub_test, "ssl: set_handshake_timeout(nullopt) lets a silent client wait") {
  tls_context limited = test_server(), unlimited = test_server();
  limited.set_handshake_timeout(0.05);
  unlimited.set_handshake_timeout(0.05);
  unlimited.set_handshake_timeout(std::nullopt);
  CHECK_FALSE(unlimited.handshake_timeout());
  auto [a, silent_a] = green::socketpair();
  auto [b, silent_b] = green::socketpair();
  tls_socket x = green::wrap_tls(std::move(a), limited);
  tls_socket y = green::wrap_tls(std::move(b), unlimited);
  const auto failure_of = [](tls_socket& s) {
    try {
      s.handshake();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  auto limited_side = spawn([&] { return failure_of(x); });
  auto unlimited_side = spawn([&] { return failure_of(y); });
  eventlet::sleep(0.25);  // five times the limit of the other
  CHECK(limited_side.dead());
  CHECK(limited_side.wait() == handshake_timeout_message("0.05"));
  CHECK_FALSE(unlimited_side.dead());  // still waiting for its client
  CHECK(y.fileno() >= 0);
  silent_b.close();
  CHECK(unlimited_side.wait() == "handshake: the peer closed the connection during the handshake");
}

TEST_CASE_FIXTURE(hub_test,
                  "ssl: the socket's timeout and the handshake timeout: the earlier one ends a "
                  "call") {
  tls_context context = test_server();
  context.set_handshake_timeout(0.1);
  const std::string expired = handshake_timeout_message("0.1");

  // A shorter socket timeout ends each call, which leaves the handshake to resume, until the
  // handshake timeout, counted from the first call, ends the handshake.
  auto [a, silent_a] = green::socketpair();
  tls_socket resumed = green::wrap_tls(std::move(a), context);
  resumed.set_timeout(0.03);
  int call_timeouts = 0;
  std::string last;
  for (int i = 0; i < 100 && last.empty(); ++i) {  // 3 s if the handshake timeout never came
    try {
      resumed.handshake();
    } catch (const timeout_error& e) {
      if (e.what() == std::string("handshake: timed out"))
        ++call_timeouts;
      else
        last = e.what();
    }
  }
  CHECK(call_timeouts >= 1);
  CHECK(last == expired);
  CHECK(resumed.fileno() == -1);

  // A longer socket timeout: the handshake timeout ends the call, and closes the connection.
  auto [b, silent_b] = green::socketpair();
  tls_socket patient = green::wrap_tls(std::move(b), context);
  patient.set_timeout(5);
  CHECK_THROWS_WITH_AS(patient.handshake(), expired.c_str(), timeout_error);
  CHECK(patient.fileno() == -1);
  silent_b.set_timeout(5);
  CHECK(silent_b.recv(1) == "");

  // A timeout of 0 never waits: the handshake timeout ends the first call made after it.
  auto [c, silent_c] = green::socketpair();
  tls_socket polled = green::wrap_tls(std::move(c), context);
  polled.set_timeout(0);
  CHECK(os_failure_of([&] { polled.handshake(); }).error == EAGAIN);
  eventlet::sleep(0.2);
  CHECK_THROWS_WITH_AS(polled.handshake(), expired.c_str(), timeout_error);
  CHECK(polled.fileno() == -1);
}

TEST_CASE_FIXTURE(hub_test,
                  "ssl: an eventlet::timeout ending a handshake keeps its source and the "
                  "connection") {
  tls_context context = test_server();
  const auto source_of = [](tls_socket& s) {
    try {
      s.handshake();
    } catch (const timeout_error& e) {
      return e.source();
    }
    return std::uint64_t(-1);
  };
  auto [a, b] = green::socketpair();
  tls_socket server = green::wrap_tls(std::move(a), context);  // 60 s
  {
    eventlet::timeout outer(0.05);
    CHECK(source_of(server) == outer.id());
  }
  CHECK(server.fileno() >= 0);
  tls_socket client = green::wrap_tls(std::move(b), trusting_client(), "localhost");
  auto server_side = spawn([&] { server.handshake(); });  // it resumes
  client.handshake();
  server_side.wait();
  client.sendall("after all");
  CHECK(server.recv(10) == "after all");

  // A handshake timeout that ends first is the handshake's own timeout_error.
  context.set_handshake_timeout(0.05);
  auto [c, silent] = green::socketpair();
  tls_socket limited = green::wrap_tls(std::move(c), context);
  eventlet::timeout outer(5);
  CHECK_THROWS_WITH_AS(limited.handshake(), handshake_timeout_message("0.05").c_str(),
                       timeout_error);
  CHECK(outer.pending());
}

TEST_CASE_FIXTURE(hub_test,
                  "ssl: the handshake timeout is 60 s for a server, none for a client; bad "
                  "values are refused") {
  tls_context server = test_server();
  CHECK(server.handshake_timeout() == 60.0);
  const tls_context copy = server;
  server.set_handshake_timeout(2.5);
  CHECK(copy.handshake_timeout() == 2.5);  // copies share it
  for (const double bad : {-1.0, 0.0, std::nan("")}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(server.set_handshake_timeout(bad),
                         "tls_context::set_handshake_timeout: the timeout must be > 0 seconds, "
                         "or nullopt for no limit",
                         std::invalid_argument);
  }
  CHECK(server.handshake_timeout() == 2.5);  // unchanged
  server.set_handshake_timeout(HUGE_VAL);
  CHECK_FALSE(server.handshake_timeout());  // infinity is no limit

  CHECK_FALSE(default_client().handshake_timeout());
  tls_context client = tls_context::client();  // bounded if asked, as a server is
  client.set_verify(false);
  client.set_handshake_timeout(0.05);
  auto [a, silent] = green::socketpair();
  tls_socket s = green::wrap_tls(std::move(a), client);
  CHECK_THROWS_WITH_AS(s.handshake(), handshake_timeout_message("0.05").c_str(), timeout_error);
}

TEST_CASE_FIXTURE(hub_test,
                  "ssl: the timeout bounds a whole sendall; what it encrypted goes next") {
  tls_pair p = handshaken(test_server(), trusting_client());
  p.client.set_timeout(0.05);
  const std::string big(8 << 20, 'x');  // more than the socket buffers hold
  CHECK_THROWS_WITH_AS(p.client.sendall(big), "sendall: timed out", timeout_error);
  // The server reads everything; then the next send follows what was sent before it.
  auto draining = spawn([&] {
    std::size_t got = 0;
    for (std::string part; !(part = p.server.recv(1 << 16)).empty();) {
      if (part == "tail") return got;
      got += part.size();
    }
    return std::size_t(0);
  });
  p.client.set_timeout(std::nullopt);
  p.client.sendall("tail");
  const std::size_t before_tail = draining.wait();
  CHECK(before_tail > 0);
  CHECK(before_tail <= big.size());
  CHECK(before_tail % 16384 == 0);  // whole records of what sendall took before timing out
}

TEST_CASE_FIXTURE(hub_test,
                  "ssl: with timeout 0 send never waits; what it encrypted goes before more") {
  tls_pair p = handshaken(test_server(), trusting_client());
  p.client.set_timeout(0);
  const std::string record(16384, 'z');
  std::size_t taken = 0;
  for (;;) {
    try {
      taken += p.client.send(record);
    } catch (const std::system_error& e) {  // the peer reads nothing: buffers fill up
      CHECK(e.code().value() == EAGAIN);
      CHECK(std::string(e.what()).starts_with("send"));
      break;
    }
  }
  CHECK(taken > 0);
  p.server.set_timeout(10);  // fails, rather than hangs, if bytes stay behind
  auto reading = spawn([&] {
    std::size_t got = 0;
    while (got < taken) got += p.server.recv(1 << 16).size();
    return got;
  });
  p.client.set_timeout(std::nullopt);
  p.client.sendall("");            // what the kernel could not take yet
  CHECK(reading.wait() == taken);  // exactly what send() said it took
}

TEST_CASE_FIXTURE(hub_test,
                  "ssl: closing a socket another greenthread waits on wakes it with EBADF") {
  tls_pair p = handshaken(test_server(), trusting_client());
  auto reader = spawn([&] { return os_failure_of([&] { p.client.recv(10); }); });
  eventlet::sleep(0);  // it waits now
  p.client.close();
  const auto failure = reader.wait();
  CHECK(failure.error == EBADF);
  CHECK(failure.what.find("recv: fd") == 0);
  CHECK(failure.what.find("was closed while this greenthread waited on it") != std::string::npos);
  CHECK(p.server.recv(10) == "");  // close() sent close_notify: a clean close
  p.client.close();                // idempotent
  CHECK(p.client.fileno() == -1);
  CHECK(os_failure_of([&] { p.client.send("x"); }).error == EBADF);
}

TEST_CASE_FIXTURE(hub_test,
                  "ssl: close_notify is a clean EOF (recv \"\"); a bare EOF is tls_eof_error") {
  tls_pair clean = handshaken(test_server(), trusting_client());
  clean.server.shutdown();
  CHECK(clean.client.recv(10) == "");
  CHECK(clean.client.recv(10) == "");               // and stays so
  clean.client.sendall("after your close_notify");  // TLS 1.3: the other way stays open
  CHECK(clean.server.recv(100) == "after your close_notify");
  CHECK_THROWS_WITH_AS(clean.server.send("x"), doctest::Contains("send: "), green::tls_error);
  clean.client.shutdown();
  CHECK(clean.server.recv(10) == "");

  tls_pair cut = handshaken(test_server(), trusting_client());
  ::shutdown(cut.server.fileno(), SHUT_RDWR);  // the connection ends, TLS did not
  CHECK_THROWS_WITH_AS(cut.client.recv(10),
                       "recv: the peer closed the connection without close_notify (unexpected "
                       "EOF: what came may be truncated)",
                       green::tls_eof_error);
}

TEST_CASE_FIXTURE(hub_test,
                  "ssl: a reset is ECONNRESET; sending to a closed peer is EPIPE, never SIGPIPE") {
  auto [server_end, client_end] = tcp_pair();
  tls_socket client = green::wrap_tls(std::move(client_end), trusting_client(), "localhost");
  auto resetting = spawn([&s = server_end] {
    s.recv(1);  // the ClientHello has come, and stays unread:
    s.setsockopt(SOL_SOCKET, SO_LINGER, linger{1, 0});
    s.close();  // a reset
  });
  const auto reset = os_failure_of([&] { client.handshake(); });
  resetting.wait();
  CHECK(reset.error == ECONNRESET);
  CHECK(reset.what == "handshake: Connection reset by peer");

  tls_pair p = handshaken(test_server(), trusting_client());
  p.server.close();
  const int error = os_failure_of([&] {
                      for (int i = 0; i < 100; ++i) p.client.sendall("nobody listens");
                    }).error;
  CHECK((error == EPIPE || error == ECONNRESET));
}

TEST_CASE_FIXTURE(hub_test,
                  "ssl: a greenthread killed in its handshake leaves a socket that can resume") {
  auto [a, b] = green::socketpair();
  tls_socket server = green::wrap_tls(std::move(a), test_server());
  tls_socket client = green::wrap_tls(std::move(b), trusting_client(), "localhost");
  auto killed = spawn([&] { client.handshake(); });
  eventlet::sleep(0);  // it sent its hello and waits for the server's
  killed.kill();
  CHECK(killed.dead());
  auto server_side = spawn([&] { server.handshake(); });
  client.handshake();  // where the killed one stopped
  server_side.wait();
  client.sendall("resumed");
  CHECK(server.recv(10) == "resumed");
}

TEST_CASE_FIXTURE(hub_test, "ssl: a greenthread killed in its handshake closes its socket") {
  auto [a, b] = green::socketpair();
  tls_socket server = green::wrap_tls(std::move(a), test_server());
  auto killed = spawn([&b = b] {
    tls_socket client = green::wrap_tls(std::move(b), trusting_client(), "localhost");
    client.handshake();
  });
  eventlet::sleep(0);
  killed.kill();  // its socket is destroyed as its stack unwinds
  CHECK_THROWS_WITH_AS(server.handshake(),
                       "handshake: the peer closed the connection during the handshake",
                       green::tls_eof_error);
}

TEST_CASE_FIXTURE(hub_test, "ssl: blocking calls from the hub greenlet are hub_error") {
  tls_pair p = handshaken(test_server(), trusting_client());
  std::string refused;
  hubs::timer t = hub.schedule_call_global(0, [&] {
    try {
      p.client.recv(10);
    } catch (const hubs::hub_error& e) {
      refused = e.what();
    }
  });
  eventlet::sleep(0.01);
  CHECK(refused.find("do not call blocking functions from the hub") != std::string::npos);
}

TEST_CASE_FIXTURE(hub_test,
                  "ssl: certificates and keys from files or PEM text; bad ones say what is wrong") {
  const test_pki& f = pki();
  using green::tls_error;
  CHECK_THROWS_WITH_AS(tls_context::server("", f.server_key),
                       "tls_context::server: the certificate file name is empty",
                       std::invalid_argument);
  const auto missing = os_failure_of([] { tls_context::server("/nonexistent/cert.pem", "k"); });
  CHECK(missing.error == ENOENT);
  CHECK(missing.what ==
        "tls_context::server: cannot open the certificate file '/nonexistent/cert.pem': No "
        "such file or directory");
  CHECK(tls_failure_of([&] { tls_context::server(f.server_key, f.server_key); }) ==
        "tls_context::server: no certificate in '" + f.server_key + "' (no start line)");
  CHECK(tls_failure_of([&] {
          tls_context::server(f.server_cert, f.server_cert);
        }).starts_with("tls_context::server: no private key in '" + f.server_cert + "'"));
  CHECK(tls_failure_of([&] { tls_context::server(f.server_cert, f.ca_key); }) ==
        "tls_context::server: the private key in '" + f.ca_key +
            "' does not match the certificate in '" + f.server_cert + "'");
  CHECK(tls_failure_of([] { tls_context::server_from_pem("not PEM", ""); }) ==
        "tls_context::server_from_pem: no certificate in cert_chain_pem (no start line)");

  tls_context client = tls_context::client();  // (the failures below leave it unchanged)
  CHECK_THROWS_AS(client.load_verify_locations(""), std::invalid_argument);
  CHECK(os_failure_of([&] { client.load_verify_locations(f.dir + "/none.pem"); }).error == ENOENT);
  CHECK(tls_failure_of([&] {
          client.load_verify_locations(f.server_key);
        }).starts_with("tls_context::load_verify_locations: no CA certificate in '"));
  CHECK_THROWS_AS(client.load_cert_chain(f.client_cert, f.ca_key), tls_error);
  CHECK_THROWS_WITH_AS(client.set_alpn_protocols({"h2", ""}),
                       "tls_context::set_alpn_protocols: a protocol name has 1 to 255 bytes (one "
                       "has 0)",
                       std::invalid_argument);
  CHECK_THROWS_AS(client.set_alpn_protocols({std::string(256, 'x')}), std::invalid_argument);

  // PEM text works as files do.
  const tls_context from_pem = tls_context::server_from_pem(
      read_file(f.server_cert) + read_file(f.ca), read_file(f.server_key));
  tls_pair p = handshaken(from_pem, trusting_client());
  CHECK(p.client.peer_subject() == "CN=localhost");
}

TEST_CASE_FIXTURE(hub_test, "ssl: bad arguments to wrap_tls, connect_tls, tls_listener and serve") {
  auto [a, b] = green::socketpair();
  CHECK_THROWS_WITH_AS(green::wrap_tls(std::move(a), trusting_client()),
                       doctest::Contains("wrap_tls: a client that verifies its server needs "
                                         "server_hostname"),
                       std::invalid_argument);
  CHECK(a.fileno() >= 0);  // still the caller's
  CHECK_THROWS_WITH_AS(green::wrap_tls(std::move(a), test_server(), "localhost"),
                       "wrap_tls: server_hostname is for clients, and this is a server context",
                       std::invalid_argument);
  CHECK_THROWS_AS(green::wrap_tls(std::move(a), trusting_client(), std::string("a\0b", 3)),
                  std::invalid_argument);
  CHECK(a.fileno() >= 0);
  green::socket closed;
  CHECK(os_failure_of([&] { green::wrap_tls(std::move(closed), test_server()); }).error == EBADF);
  CHECK_THROWS_WITH_AS(green::connect_tls({"127.0.0.1", 1}, ""),
                       doctest::Contains("connect_tls: a client that verifies"),
                       std::invalid_argument);  // before connecting

  green::socket listening = green::listen({"127.0.0.1", 0});
  CHECK_THROWS_WITH_AS(green::tls_listener(std::move(listening), trusting_client()),
                       doctest::Contains("tls_listener: the context is a client context"),
                       std::invalid_argument);
  CHECK(listening.fileno() >= 0);
  green::tls_listener server(std::move(listening), test_server());
  CHECK_THROWS_WITH_AS(green::serve(server, {}), "serve: the handler is empty",
                       std::invalid_argument);

  tls_socket nothing;
  CHECK(os_failure_of([&] { nothing.recv(1); }).error == EBADF);
  CHECK(os_failure_of([&] { nothing.handshake(); }).error == EBADF);
  CHECK(nothing.fileno() == -1);
  CHECK(nothing.version() == "");
  CHECK_FALSE(nothing.timeout());
  nothing.close();
}

// Interoperability with the openssl program.

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
