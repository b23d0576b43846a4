// green tls: contexts and certificates from files or PEM text, and the bad arguments refused.
#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tls_helpers.hpp"

using namespace eventlet;
using green::tls_context;
using green::tls_socket;
using green_tests::os_failure_of;
using hub_tests::hub_test;
using namespace tls_tests;

namespace {

std::string read_file(const std::string& name) {
  std::ostringstream text;
  text << std::ifstream(name).rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE_FIXTURE(hub_test,
                  "tls: certificates and keys from files or PEM text; bad ones say what is wrong") {
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

TEST_CASE_FIXTURE(hub_test, "tls: bad arguments to wrap_tls, connect_tls, tls_listener and serve") {
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
