// The server over TLS, with openssl s_client as its client: the request sees the TLS version,
// the name the client asked for (SNI) and its certificate's subject; keep-alive works over TLS.
#include <string>

#include "../green/tls_helpers.hpp"
#include "server_support.hpp"

using namespace eventlet;
using hub_tests::hub_test;
using server_tests::run;
using server_tests::running_server;
using tls_tests::pki;

TEST_CASE_FIXTURE(hub_test,
                  "http server over TLS: openssl s_client, SNI and a client certificate") {
  green::tls_context context = tls_tests::test_server();
  context.load_verify_locations(pki().ca);
  context.set_verify(true);  // asks for (and checks) a client certificate
  green::tls_listener listener(green::listen({"127.0.0.1", 0}), context);
  running_server s(listener, [](http::request& req, http::response& res) {
    const std::optional<http::tls_info> tls = req.tls();
    REQUIRE(tls);
    res.send(std::string(req.target()) + " " + tls->version + " " + tls->server_name + " " +
             tls->peer_subject + "\n");
  });
  // Two requests on the connection, the second asking to close it: s_client then ends.
  const auto r = run({"openssl", "s_client", "-connect", s.where.to_string(), "-servername",
                      "localhost", "-CAfile", pki().ca, "-verify_return_error", "-cert",
                      pki().client_cert, "-key", pki().client_key, "-quiet", "-ign_eof"},
                     "GET /one HTTP/1.1\r\nHost: localhost\r\n\r\n"
                     "GET /two HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const std::string subject = "CN=eventlet test client";
  CHECK(r.out.find("\r\n\r\n/one TLSv1.3 localhost " + subject + "\n") != std::string::npos);
  CHECK(r.out.find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(r.out.ends_with("\r\n\r\n/two TLSv1.3 localhost " + subject + "\n"));
}

TEST_CASE_FIXTURE(hub_test, "http server over TLS: a plain request says no TLS") {
  running_server s(
      [](http::request& req, http::response& res) { res.send(req.tls() ? "tls" : "plain"); });
  const auto r = run({"curl", "-sS", s.url()});
  REQUIRE(r.status == 0);
  CHECK(r.out == "plain");
}

TEST_CASE_FIXTURE(hub_test, "http server over TLS: a client that is not TLS is closed") {
  green::tls_listener listener(green::listen({"127.0.0.1", 0}), tls_tests::test_server());
  int calls = 0;
  running_server s(listener, [&calls](http::request&, http::response& res) {
    ++calls;
    res.send("never");
  });
  server_tests::raw_client c(s.where);
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(c.rest().find("never") == std::string::npos);  // perhaps an alert; then the close
  CHECK(calls == 0);
}
