// http_get: a small curl-like client on http::client. It sends one request and writes the
// response's body to stdout as it comes.
//
//   http_get [-X METHOD] [-H 'Name: value']... [-d BODY] [--insecure] [--cacert FILE] [-L] [-i] URL
//
//   -X METHOD      the method: GET, or POST with -d
//   -H 'N: v'      a header field, as many as needed
//   -d BODY        the request's body (Content-Type application/x-www-form-urlencoded unless
//                  -H gives one)
//   --insecure     do not verify the server's certificate (https)
//   --cacert FILE  trust the CA certificates in FILE (PEM) too, beside the system's
//   -L             follow redirects
//   -i             write the response's head before its body
//
// It exits with 0 once the response has been read whole (whatever its status), 1 with a message
// on stderr if the request fails (a refused connection, a certificate not trusted, a timeout, a
// malformed response, ...), 2 with the usage for a bad command line. EVENTLET_HUB picks the hub.
//
//   build/tools/examples/http_get -i https://example.com/
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "eventlet.hpp"

using namespace eventlet;

namespace {

const char* const usage =
    "http_get [-X METHOD] [-H 'Name: value']... [-d BODY] [--insecure] [--cacert FILE] [-L] [-i] "
    "URL";

// fail() prints `problem` (if any) and the usage to stderr and exits with status 2.
[[noreturn]] void fail(const std::string& problem) {
  if (!problem.empty()) std::fprintf(stderr, "%s\n", problem.c_str());
  std::fprintf(stderr, "usage: %s\n", usage);
  std::exit(2);
}

// What the command line asks for.
struct command {
  std::string method;
  http::headers fields;
  std::optional<std::string> body;
  bool insecure = false, follow = false, head = false;
  std::string cacert;
  std::optional<http::url> url;
};

command read_command_line(int argc, char** argv) {
  command r;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 == argc) fail(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      fail("");
    } else if (a == "-X") {
      r.method = value();
    } else if (a == "-H") {
      const std::string field = value();
      const std::size_t colon = field.find(':');
      if (colon == std::string::npos) fail("-H '" + field + "' is not 'Name: value'");
      std::string_view v = std::string_view(field).substr(colon + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      try {
        r.fields.add(field.substr(0, colon), v);
      } catch (const std::invalid_argument& e) {
        fail("-H '" + field + "': " + e.what());
      }
    } else if (a == "-d") {
      r.body = value();
    } else if (a == "--cacert") {
      r.cacert = value();
    } else if (a == "--insecure") {
      r.insecure = true;
    } else if (a == "-L") {
      r.follow = true;
    } else if (a == "-i") {
      r.head = true;
    } else if (a.starts_with("-") || r.url) {
      fail("unknown argument '" + std::string(a) + "'");
    } else {
      try {
        r.url = http::url::parse(a);
      } catch (const std::invalid_argument& e) {
        fail(e.what());
      }
    }
  }
  if (!r.url) fail("no URL");
  if (r.method.empty()) r.method = r.body ? "POST" : "GET";
  if (r.body && !r.fields.contains("Content-Type"))
    r.fields.add("Content-Type", "application/x-www-form-urlencoded");
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const command r = read_command_line(argc, argv);
  try {
    http::client_options options;
    options.follow_redirects = r.follow;
    if (r.insecure || !r.cacert.empty()) {
      options.tls = green::tls_context::client();
      if (r.insecure) options.tls->set_verify(false);
      if (!r.cacert.empty()) options.tls->load_verify_locations(r.cacert);
    }
    http::client c(options);
    green::fd out = green::standard_output();  // writes wait in the hub, as the reads do
    http::client_response response = c.request(r.method, *r.url, r.fields, r.body.value_or(""));
    if (r.head) {
      std::string head = "HTTP/1." + std::to_string(response.minor_version()) + " " +
                         std::to_string(response.status()) + " " + response.reason() + "\r\n";
      response.headers().append_to(head);
      out.write(head + "\r\n");
    }
    for (std::string piece; !(piece = response.read(64 * 1024)).empty();) out.write(piece);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "http_get: %s\n", e.what());
    return 1;
  }
}
