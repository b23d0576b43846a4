// embed_evhttp_proxy: a libevent evhttp server written in libevent's callback style, whose
// request handler defers to a greenthread that fetches the page from an HTTP backend with the
// project's green HTTP client, and replies through evhttp_send_reply() back in the callback.
// The application runs the loop (event_base_dispatch); eventlet joined it (embed::join).
//
//   embed_evhttp_proxy --port 8080 --backend 9000   # GET /x -> http://127.0.0.1:9000/x
//
// Many requests wait for a slow backend at once: each is a greenthread, the loop never blocks.
// On SIGINT or SIGTERM it stops accepting, ends the requests in flight and its connections and
// exits with status 0 (embed_stop.hpp). --backdoor PATH serves the backdoor console on that
// Unix socket.
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <signal.h>
#include <sys/socket.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "backdoor_option.hpp"
#include "command_line.hpp"
#include "embed/defer.hpp"
#include "embed/join.hpp"
#include "embed_stop.hpp"
#include "eventlet.hpp"
#include "http/client.hpp"

namespace {

using namespace eventlet;

struct proxy {
  std::string backend;  // "http://127.0.0.1:PORT"
  http::client client;
};

// A libevent callback: it must not block, so the fetch goes to a greenthread.
void on_request(evhttp_request* req, void* arg) {
  auto* p = static_cast<proxy*>(arg);
  if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
    evhttp_send_error(req, 405, "Method Not Allowed");
    return;
  }
  const std::string url = p->backend + evhttp_request_get_uri(req);
  embed::defer_to_green_thread([p, url] { return p->client.get(url); },  // blocks, green
                               [req](embed::outcome<http::buffered_response> r) {
                                 if (!r.ok()) {
                                   evhttp_send_error(req, 502, "Bad Gateway");
                                   return;
                                 }
                                 evbuffer* body = evbuffer_new();
                                 evbuffer_add(body, r.value().body.data(), r.value().body.size());
                                 evhttp_send_reply(req, r.value().status, "", body);
                                 evbuffer_free(body);
                               });
}

}  // namespace

int main(int argc, char** argv) {
  examples::command_line args(argc, argv,
                              "embed_evhttp_proxy [--port N] --backend PORT [--backdoor PATH]",
                              {"--port", "--backend", "--backdoor"});
  const int port = args.port(8080);
  proxy p{
      "http://127.0.0.1:" + std::to_string(args.parse_port(args.value("--backend"), "--backend")),
      http::client()};
  signal(SIGPIPE, SIG_IGN);

  event_base* base = event_base_new();
  embed::joined_loop joined = embed::join(base);
  evhttp* server = evhttp_new(base);
  evhttp_bound_socket* bound = nullptr;
  std::optional<examples::loop_stopper> stopper;  // first: a signal from now on stops it
  stopper.emplace(base, [&] {
    if (bound) evhttp_del_accept_socket(server, bound);
    bound = nullptr;
  });
  examples::serve_backdoor(args);
  bound = evhttp_bind_socket_with_handle(server, "127.0.0.1", port);
  if (!bound) {
    std::fprintf(stderr, "embed_evhttp_proxy: cannot listen on port %d\n", port);
    return 1;
  }
  evhttp_set_gencb(server, &on_request, &p);
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  getsockname(evhttp_bound_socket_get_fd(bound), reinterpret_cast<sockaddr*>(&ss), &len);
  examples::announce(green::address(reinterpret_cast<sockaddr*>(&ss), len));

  event_base_dispatch(base);  // the application's loop, as before, until a signal

  stopper.reset();
  evhttp_free(server);  // closes the connections left
  joined.leave();
  event_base_free(base);
  return 0;
}
