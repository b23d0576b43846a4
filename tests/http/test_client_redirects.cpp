// Redirects: only when asked, the method rules of each status, the headers dropped across
// origins, https to http refused, and the bound on their number.
#include <string>

#include "client_tests.hpp"

using namespace eventlet;
using client_tests::failure_of;
using client_tests::field;
using client_tests::python_server;
using hub_tests::hub_test;

namespace {

http::client following(int max = 10) {
  http::client_options o;
  o.follow_redirects = true;
  o.max_redirects = max;
  return http::client(o);
}

// The URL of /redirect/STATUS?to=TO on `server`.
std::string redirect(const python_server& server, int status, const std::string& to) {
  return server.url("/redirect/" + std::to_string(status) + "?to=" + to);
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "client redirects: not followed unless asked") {
  python_server server;
  http::client c;
  const http::buffered_response r = c.get(redirect(server, 302, "/echo"));
  CHECK(r.status == 302);
  CHECK(r.headers.get("Location") == "/echo");
  CHECK(r.body == "moved");
}

TEST_CASE_FIXTURE(hub_test, "client redirects: each status, and what becomes of the method") {
  python_server server;
  http::client c = following();
  // 303 makes a GET without the body, from any method; 301 and 302 do so only from POST.
  struct expectation {
    const char* method;
    int status;
    const char* then_method;
    bool body_kept;
  };
  const expectation cases[] = {
      {"GET", 301, "GET", false},       {"GET", 302, "GET", false},  {"POST", 301, "GET", false},
      {"POST", 302, "GET", false},      {"POST", 303, "GET", false}, {"PUT", 303, "GET", false},
      {"PUT", 302, "PUT", true},        {"POST", 307, "POST", true}, {"POST", 308, "POST", true},
      {"DELETE", 308, "DELETE", false},
  };
  for (const expectation& e : cases) {
    INFO(e.method << " " << e.status);
    const bool with_body = std::string(e.method) != "GET" && std::string(e.method) != "DELETE";
    http::headers h;
    h.add("Content-Type", "text/plain");
    h.add("Authorization", "Bearer same-origin");
    http::client_response r =
        c.request(e.method, redirect(server, e.status, "/echo?after"), h, with_body ? "data" : "");
    CHECK(r.status() == 200);
    CHECK(r.url().to_string() == server.url("/echo?after"));
    const std::string body = r.read_all(1 << 16);
    CHECK(field(body, "method") == e.then_method);
    CHECK(field(body, "body") == (e.body_kept ? "data" : ""));
    CHECK(field(body, "h:content-type") == (e.body_kept || !with_body ? "text/plain" : ""));
    CHECK(field(body, "h:authorization") == "Bearer same-origin");  // the same origin
  }
  // HEAD stays HEAD through a 303.
  http::client_response r = c.request("HEAD", redirect(server, 303, "/echo"));
  CHECK(r.status() == 200);
  CHECK(r.done());
  // A redirect from one server's connection to the same origin reuses it.
  CHECK(c.idle_connections() == 1);
}

TEST_CASE_FIXTURE(hub_test,
                  "client redirects: Authorization, Cookie and Host dropped across origins") {
  python_server server;
  http::client c = following();
  http::headers h;
  h.add("Authorization", "Basic c2VjcmV0");
  h.add("Proxy-Authorization", "Basic c2VjcmV0");
  h.add("Cookie", "session=1");
  h.add("X-Kept", "yes");
  // 127.0.0.1 and localhost are two origins (on the same server).
  const http::buffered_response r =
      c.get(redirect(server, 302, server.url("localhost", "/echo")), h);
  CHECK(r.status == 200);
  CHECK(r.url.host() == "localhost");
  CHECK(field(r.body, "h:authorization") == "");
  CHECK(field(r.body, "h:proxy-authorization") == "");
  CHECK(field(r.body, "h:cookie") == "");
  CHECK(field(r.body, "h:x-kept") == "yes");
  CHECK(field(r.body, "h:host") == "localhost:" + std::to_string(server.port()));

  // Not given back on a redirect to the first origin either.
  const std::string back = server.url("/echo");
  const http::buffered_response twice =
      c.get(redirect(server, 302, server.url("localhost", "/redirect/302?to=" + back)), h);
  CHECK(twice.url.to_string() == back);
  CHECK(field(twice.body, "h:authorization") == "");
  CHECK(field(twice.body, "h:cookie") == "");
}

TEST_CASE_FIXTURE(hub_test, "client redirects: a bound on their number") {
  python_server server;
  http::client c = following(3);
  CHECK(failure_of<http::client_error>([&] { c.get(server.url("/loop")); }) ==
        "http: more than 3 redirects from " + server.url("/loop"));
  // Exactly the bound is fine.
  const std::string two = redirect(server, 302, "/redirect/302%3Fto=/echo");
  CHECK(following(2).get(two).status == 200);
  CHECK(following(0).get(server.url("/echo")).status == 200);
  CHECK(failure_of<http::client_error>([&] { following(0).get(two); }) != "");
}

TEST_CASE_FIXTURE(hub_test, "client redirects: a bad Location; none at all") {
  python_server server;
  http::client c = following();
  CHECK(failure_of<http::client_error>([&] {
          c.get(redirect(server, 302, "ftp://example.com/"));
        }).find("bad Location") != std::string::npos);
  // A 3xx without a Location is the response.
  CHECK(c.get(server.url("/redirect/304?to=")).status == 304);
}

TEST_CASE_FIXTURE(hub_test, "client redirects: a body_source is not sent twice") {
  python_server server;
  http::client c = following();
  bool sent = false;
  http::body_source once = [&](std::span<char> buffer) -> std::size_t {
    if (sent) return 0;
    sent = true;
    buffer[0] = 'x';
    return 1;
  };
  http::client_response r =
      c.request("POST", http::url::parse(redirect(server, 307, "/echo")), {}, once);
  CHECK(r.status() == 307);  // given back, not followed
  sent = false;
  http::client_response g =
      c.request("POST", http::url::parse(redirect(server, 303, "/echo")), {}, once);
  CHECK(g.status() == 200);
  CHECK(field(g.read_all(1 << 16), "method") == "GET");
}
