// http_hello: the smallest HTTP/1.1 server on http::serve, the subject of the HTTP benchmark
// (tools/http_bench): any path answers "hello", /16k answers 16,384 bytes of 'x'; connections
// are kept alive.
//
//   build/tools/examples/http_hello --port 8080      # then: curl http://127.0.0.1:8080/
//   build/tools/examples/http_hello --threads 4      # an http::server and a hub per thread
//
// It listens on 127.0.0.1 (--port 0: the kernel picks the port), prints "listening on
// 127.0.0.1:PORT" once listening and serves until SIGINT or SIGTERM, which make it stop
// accepting, finish the requests in flight, close the connections and exit with status 0
// (stop_signal.hpp). EVENTLET_HUB picks the hub. With --threads N, N threads serve, each with
// its own hub, listener (SO_REUSEPORT) and http::server (http::smp_server); a signal stops
// them all the same way.
//
// --reuse-port on: a restart without a lost connection (docs/deployment.md). It listens with
// SO_REUSEPORT, next to an older http_hello still listening on the port, and takes every new
// connection over from it (green::take_over_reuseport); on SIGINT or SIGTERM it keeps
// accepting for half a second more, long enough to empty its queue of the connections that
// came before the new process took over, as the old one does then, and only then stops: its
// listener closes with nothing queued, so the kernel resets nothing.
//
//   http_hello --port 8080 --reuse-port on &   # the old process
//   http_hello --port 8080 --reuse-port on &   # the new one: says "listening on" ...
//   kill -TERM %1                              # ... then the old one drains and exits
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "backdoor_option.hpp"
#include "command_line.hpp"
#include "eventlet.hpp"
#include "http/server.hpp"
#include "http/smp_server.hpp"
#include "stop_signal.hpp"

using namespace eventlet;

int main(int argc, char** argv) {
  const examples::command_line args(
      argc, argv, "http_hello [--port N] [--threads N | --reuse-port on|off] [--backdoor PATH]",
      {"--port", "--threads", "--reuse-port", "--backdoor"});
  const std::string reuse = args.value("--reuse-port", "off");
  if (reuse != "on" && reuse != "off") args.fail("--reuse-port '" + reuse + "' is not on or off");
  const bool reuse_port = reuse == "on";
  const int threads = args.value("--threads", "").empty() ? 0 : args.count("--threads", 1, 1024);
  if (threads > 0 && reuse_port)
    args.fail("--threads and --reuse-port on do not go together (a takeover steers to one socket)");
  examples::block_stop_signals();  // before any thread starts
  try {
    hubs::get_hub();  // chooses the hub (EVENTLET_HUB) now: a bad choice fails before listening
    examples::serve_backdoor(args);
    const std::string sixteen_k(16 * 1024, 'x');
    const http::handler hello = [&sixteen_k](http::request& req, http::response& res) {
      res.headers().add("Content-Type", "text/plain");
      res.send(req.path() == "/16k" ? std::string_view(sixteen_k) : "hello");
    };
    http::server_options options;
    options.max_connections = 100'000;
    if (threads > 0) {  // an http::server per thread, each on its own SO_REUSEPORT listener
      http::smp_server servers({"127.0.0.1", args.port(8080)}, hello, options, threads);
      examples::announce(servers.address());
      green::wait_signal({SIGINT, SIGTERM});
      servers.stop(5);
      return 0;
    }
    green::socket listener = green::listen({"127.0.0.1", args.port(8080)}, 1024, reuse_port);
    if (reuse_port) green::take_over_reuseport(listener);
    http::server server(listener, hello, options);
    // On a signal: requests in flight get up to 5 s to finish, idle connections close. With
    // --reuse-port, the queue is emptied first (the new process takes the new connections).
    examples::serve_until_signal(
        [&] {
          examples::announce(listener.getsockname());
          server.serve();
        },
        [&](auto&) {
          if (reuse_port) sleep(0.5);
          server.shutdown(5);
        });
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "http_hello: %s\n", e.what());
    return 1;
  }
}
