// http_get: against Python's http.server (tests/http/client_server.py), plain and TLS: the
// body on stdout, the head with -i, -X, -H, -d, -L, --cacert, --insecure; failures exit 1
// with a message, a bad command line 2 with the usage.
#include <string>
#include <vector>

#include "../green/tls_helpers.hpp"
#include "../http/client_tests.hpp"
#include "example.hpp"

using client_tests::field;
using client_tests::pattern;
using client_tests::python_server;
using example_tests::exited;
using example_tests::outcome;
using hub_tests::hub_test;

namespace {

outcome http_get(const std::vector<std::string>& args) {
  return example_tests::run("HTTP_GET", args);
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "http_get: the body on stdout; the head too with -i") {
  const python_server server;
  const outcome plain = http_get({server.url("/length/100000")});
  CHECK(exited(plain, 0));
  CHECK(plain.out == pattern(100000));
  CHECK(plain.err == "");

  const outcome with_head = http_get({"-i", server.url("/chunked/3000")});
  CHECK(exited(with_head, 0));
  CHECK(with_head.out.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(with_head.out.find("\r\nTransfer-Encoding: chunked\r\n") != std::string::npos);
  const std::size_t end = with_head.out.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  CHECK(with_head.out.substr(end + 4) == pattern(3000));
}

TEST_CASE_FIXTURE(hub_test, "http_get: -X, -H and -d; -L follows redirects") {
  const python_server server;
  const outcome put = http_get(
      {"-X", "PUT", "-H", "X-One: 1", "-H", "X-Two:two", "-d", "a=b", server.url("/echo")});
  CHECK(exited(put, 0));
  CHECK(field(put.out, "method") == "PUT");
  CHECK(field(put.out, "h:x-one") == "1");
  CHECK(field(put.out, "h:x-two") == "two");
  CHECK(field(put.out, "h:content-type") == "application/x-www-form-urlencoded");
  CHECK(field(put.out, "body") == "a=b");
  CHECK(field(http_get({"-d", "x", server.url("/echo")}).out, "method") == "POST");

  const std::string moved = server.url("/redirect/302?to=/length/5");
  CHECK(http_get({moved}).out == "moved");
  CHECK(http_get({"-L", moved}).out == "01234");
}

TEST_CASE_FIXTURE(hub_test, "http_get: https with --cacert or --insecure, refused without") {
  const python_server server({"--tls", tls_tests::pki().server_cert, tls_tests::pki().server_key});
  const std::string url = server.url("localhost", "/length/10");
  CHECK(http_get({"--cacert", tls_tests::pki().ca, url}).out == "0123456789");
  CHECK(http_get({"--insecure", url}).out == "0123456789");
  const outcome refused = http_get({url});
  CHECK(exited(refused, 1));
  CHECK(refused.out == "");
  CHECK(refused.err.rfind("http_get: ", 0) == 0);
  CHECK(refused.err.find("certificate verify failed") != std::string::npos);
}

TEST_CASE_FIXTURE(hub_test, "http_get: failures exit 1, a bad command line 2") {
  eventlet::green::socket closed = eventlet::green::listen({"127.0.0.1", 0});
  const std::string where = closed.getsockname().to_string();
  closed.close();
  const outcome refused = http_get({"http://" + where + "/"});
  CHECK(exited(refused, 1));
  CHECK(refused.err == "http_get: http: connecting to " + where + " for http://" + where +
                           ": Connection refused\n");

  const std::string usage =
      "usage: http_get [-X METHOD] [-H 'Name: value']... [-d BODY] [--insecure] [--cacert FILE] "
      "[-L] [-i] URL\n";
  const outcome none = http_get({});
  CHECK(exited(none, 2));
  CHECK(none.err == "no URL\n" + usage);
  CHECK(http_get({"-H", "no colon", "http://a/"}).err ==
        "-H 'no colon' is not 'Name: value'\n" + usage);
  CHECK(http_get({"-X"}).err == "-X needs a value\n" + usage);
  CHECK(exited(http_get({"-Q", "http://a/"}), 2));
  CHECK(exited(http_get({"http://a/", "http://b/"}), 2));
  const outcome bad_url = http_get({"ftp://a/"});
  CHECK(exited(bad_url, 2));
  CHECK(bad_url.err.find("usage: ") != std::string::npos);
}
