// What the TLS tests share: the certificates of the test run, contexts, handshaken pairs.
#pragma once

#include <string>
#include <utility>

#include "green/tls.hpp"
#include "helpers.hpp"

namespace tls_tests {

// The certificates of the test run, made with the openssl program into a temporary
// directory that is removed at exit: EC P-256 keys, valid for two days.
struct test_pki {
  std::string dir;
  std::string ca, ca_key;               // the test CA, which no system trusts
  std::string server_cert, server_key;  // CN=localhost, for localhost and 127.0.0.1, by the CA
  std::string self_cert, self_key;      // CN=localhost, self-signed
  std::string client_cert, client_key;  // CN=eventlet test client, by the CA

  test_pki();
  ~test_pki();
};

const test_pki& pki();

// A new client context that trusts the test CA too. (Each reads the system's trust store,
// which takes tens of milliseconds: tests that do not change their context share one.)
eventlet::green::tls_context new_trusting_client();

// A client context shared by the tests that do not change it: one that trusts the test CA,
// and the default one.
const eventlet::green::tls_context& trusting_client();
const eventlet::green::tls_context& default_client();

// A server context with the test CA's certificate for localhost.
eventlet::green::tls_context test_server();

// The message of the tls_error `f` throws ("" if none).
template <typename F>
std::string tls_failure_of(F f) {
  try {
    f();
  } catch (const eventlet::green::tls_error& e) {
    return e.what();
  }
  return "";
}

// Two connected TCP sockets on loopback: the server's end, the client's end.
std::pair<eventlet::green::socket, eventlet::green::socket> tcp_pair();

struct tls_pair {
  eventlet::green::tls_socket client, server;
};

// Makes TLS connections of the two ends of `link` (the server's first) and completes their
// handshake, the client expecting `host`.
tls_pair handshaken(std::pair<eventlet::green::socket, eventlet::green::socket> link,
                    const eventlet::green::tls_context& server,
                    const eventlet::green::tls_context& client,
                    const std::string& host = "localhost");

// handshaken() over a Unix socket pair.
tls_pair handshaken(const eventlet::green::tls_context& server,
                    const eventlet::green::tls_context& client,
                    const std::string& host = "localhost");

// What the handshake timeout of a context set to `seconds` says when it ends a handshake.
std::string handshake_timeout_message(const char* seconds);

}  // namespace tls_tests
