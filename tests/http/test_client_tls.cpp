// https: the server's certificate verified against the test CA, a wrong host name and an
// untrusted CA refused, keep-alive over TLS, and no redirect from https to http.
#include <string>

#include "../green/tls_helpers.hpp"
#include "client_tests.hpp"

using namespace eventlet;
using client_tests::failure_of;
using client_tests::field;
using client_tests::pattern;
using client_tests::python_server;
using hub_tests::hub_test;
using tls_tests::pki;

namespace {

python_server tls_server(const std::string& host = "127.0.0.1") {
  return python_server({"--tls", pki().server_cert, pki().server_key, "--host", host});
}

http::client trusting(bool follow = false) {
  http::client_options o;
  o.tls = tls_tests::trusting_client();
  o.follow_redirects = follow;
  return http::client(o);
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "client tls: verified against the test CA, kept alive") {
  const python_server server = tls_server();
  http::client c = trusting();
  const http::buffered_response first = c.get(server.url("/echo"));
  CHECK(first.status == 200);
  CHECK(field(first.body, "h:host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(c.get(server.url("/chunked/5000")).body == pattern(5000));
  const http::buffered_response third =
      c.post(server.url("/echo"), std::string(100000, 'b'), "x/y");
  CHECK(field(third.body, "body") == std::string(100000, 'b'));
  CHECK(field(third.body, "port") == field(first.body, "port"));
  // By name: the certificate names localhost too; SNI goes with it.
  CHECK(c.get(server.url("localhost", "/length/3")).body == "012");
  CHECK(c.idle_connections() == 2);
}

TEST_CASE_FIXTURE(hub_test, "client tls: a host name the certificate does not name is refused") {
  // The certificate is for localhost and 127.0.0.1; this server is at 127.0.0.2.
  const python_server server = tls_server("127.0.0.2");
  http::client c = trusting();
  const std::string failure =
      failure_of<green::tls_error>([&] { c.get(server.url("127.0.0.2", "/echo")); });
  CHECK(failure.find("certificate verify failed") != std::string::npos);
  CHECK(c.idle_connections() == 0);
}

TEST_CASE_FIXTURE(hub_test, "client tls: a CA the client does not trust is refused by default") {
  const python_server server = tls_server();
  http::client c;  // the system's trust store only
  const std::string failure = failure_of<green::tls_error>([&] { c.get(server.url("/echo")); });
  CHECK(failure.find("certificate verify failed") != std::string::npos);
}

TEST_CASE_FIXTURE(hub_test, "client tls: no redirect from https to http") {
  const python_server secure = tls_server();
  const python_server plain;
  http::client c = trusting(true);
  const std::string to = plain.url("/echo");
  const std::string failure =
      failure_of<http::client_error>([&] { c.get(secure.url("/redirect/302?to=" + to)); });
  CHECK(failure.find("(https to http)") != std::string::npos);
  // http to https is fine.
  const http::buffered_response up = c.get(plain.url("/redirect/301?to=" + secure.url("/echo")));
  CHECK(up.status == 200);
  CHECK(up.url.scheme() == "https");
}
