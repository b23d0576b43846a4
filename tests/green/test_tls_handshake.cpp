// green tls: handshakes and verification: bad certificates, host names, SNI, ALPN, client certs.
#include <string>
#include <vector>

#include "tls_helpers.hpp"

using namespace eventlet;
using green::tls_context;
using green::tls_socket;
using hub_tests::hub_test;
using namespace tls_tests;

TEST_CASE_FIXTURE(hub_test, "tls: a client and a server speak TLS 1.3, the server verified") {
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

TEST_CASE_FIXTURE(hub_test, "tls: by default a client refuses a self-signed server, saying why") {
  auto [a, b] = green::socketpair();
  tls_socket server =
      green::wrap_tls(std::move(a), tls_context::server(pki().self_cert, pki().self_key));
  tls_socket client = green::wrap_tls(std::move(b), default_client(), "localhost");
  auto server_side = spawn([&] { return tls_failure_of([&] { server.handshake(); }); });
  CHECK(tls_failure_of([&] { client.handshake(); }) ==
        "handshake: certificate verify failed: self-signed certificate");
  CHECK(server_side.wait() == "handshake: tlsv1 alert unknown ca");  // the client told it why
}

TEST_CASE_FIXTURE(hub_test, "tls: by default a client refuses a CA the system does not trust") {
  auto [a, b] = green::socketpair();
  tls_socket server = green::wrap_tls(std::move(a), test_server());
  tls_socket client = green::wrap_tls(std::move(b), default_client(), "localhost");
  auto server_side = spawn([&] { return tls_failure_of([&] { server.handshake(); }); });
  CHECK(tls_failure_of([&] { client.handshake(); }) ==
        "handshake: certificate verify failed: unable to get local issuer certificate");
  CHECK_FALSE(server_side.wait().empty());
}

TEST_CASE_FIXTURE(hub_test, "tls: a certificate for another host name or address is refused") {
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

TEST_CASE_FIXTURE(hub_test, "tls: set_verify(false) is the client's explicit opt-out") {
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

TEST_CASE_FIXTURE(hub_test, "tls: ALPN picks the server's first protocol the client offers") {
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

TEST_CASE_FIXTURE(hub_test, "tls: a server that asks for client certificates verifies them") {
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
