// embed_forwarder: a port forwarder whose listener is plain libevent callback code and whose
// relaying is done by greenthreads over green transports (embed::green_transport).
//
//   embed_forwarder --port 7000 --to 6000   # 127.0.0.1:7000 -> 127.0.0.1:6000
//
// On SIGINT or SIGTERM it stops accepting, closes the connections it relays and exits with
// status 0 (embed_stop.hpp). --backdoor PATH serves the backdoor console on that Unix socket.
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
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
#include "embed/transport.hpp"
#include "embed_stop.hpp"
#include "eventlet.hpp"

namespace {

using namespace eventlet;

struct forwarder {
  event_base* base;
  int to;
};

// Copies `from` to `to` until EOF, then half-closes `to`. A connection error ends it quietly.
void pump(embed::green_transport& from, embed::green_transport& to) {
  try {
    for (std::string data; !(data = from.read(64 * 1024)).empty();) to.write(data);
    to.flush();
    shutdown(bufferevent_getfd(to.bev()), SHUT_WR);
  } catch (const std::exception&) {
  }
}

// A libevent callback: it hands the connection to a greenthread.
void on_accept(evconnlistener*, evutil_socket_t fd, sockaddr*, int, void* arg) {
  auto* f = static_cast<forwarder*>(arg);
  auto client = std::make_shared<embed::green_transport>(
      bufferevent_socket_new(f->base, fd, BEV_OPT_CLOSE_ON_FREE));
  embed::call_in_green_thread([f, client] {
    std::shared_ptr<embed::green_transport> target;
    try {
      target =
          std::make_shared<embed::green_transport>(embed::connect_tcp(f->base, "127.0.0.1", f->to));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "embed_forwarder: %s\n", e.what());
      return;  // the client's connection closes with its transport
    }
    auto back = spawn([client, target] { pump(*target, *client); });
    pump(*client, *target);
    back.wait();
  });
}

}  // namespace

int main(int argc, char** argv) {
  examples::command_line args(argc, argv, "embed_forwarder [--port N] --to PORT [--backdoor PATH]",
                              {"--port", "--to", "--backdoor"});
  const int port = args.port(7000);
  signal(SIGPIPE, SIG_IGN);
  event_base* base = event_base_new();
  forwarder f{base, args.parse_port(args.value("--to"), "--to")};
  embed::joined_loop joined = embed::join(base);
  evconnlistener* listener = nullptr;
  std::optional<examples::loop_stopper> stopper;  // first: a signal from now on stops it
  stopper.emplace(base, [&listener] {
    if (listener) evconnlistener_disable(listener);
  });
  examples::serve_backdoor(args);

  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons(static_cast<std::uint16_t>(port));
  listener =
      evconnlistener_new_bind(base, &on_accept, &f, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
                              reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  if (!listener) {
    std::fprintf(stderr, "embed_forwarder: cannot listen on port %d\n", port);
    return 1;
  }
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  getsockname(evconnlistener_get_fd(listener), reinterpret_cast<sockaddr*>(&ss), &len);
  examples::announce(green::address(reinterpret_cast<sockaddr*>(&ss), len));

  event_base_dispatch(base);  // until a signal: the relays have ended then

  stopper.reset();
  evconnlistener_free(listener);
  joined.leave();
  event_base_free(base);
  return 0;
}
