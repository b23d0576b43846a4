// web_chat: eventlet's websocket chat example. The page at / connects to the WebSocket at
// /chat; every text message a client sends is relayed to every connected client, the sender
// included.
//
//   build/tools/examples/web_chat --port 7000      # then open http://127.0.0.1:7000/
//
// It listens on 127.0.0.1 (--port 0: the kernel picks the port), prints "listening on
// 127.0.0.1:PORT" once listening and serves until SIGINT or SIGTERM, which make it stop
// accepting, close the connections and exit with status 0 (stop_signal.hpp). EVENTLET_HUB picks
// the hub. The page sends the text of its `say` query parameter once connected
// (http://127.0.0.1:7000/?say=hello), which is how the browser test drives it.
//
// Each client has a greenthread that reads its messages and one that writes the messages
// relayed to it from a queue, so a slow client holds up nobody else; one that falls
// max_backlog messages behind is disconnected.
#include <cstdio>
#include <exception>
#include <memory>
#include <set>
#include <string>

#include "backdoor_option.hpp"
#include "command_line.hpp"
#include "eventlet.hpp"
#include "stop_signal.hpp"

using namespace eventlet;

constexpr std::size_t max_backlog = 256;  // messages queued for one client

constexpr const char* page = R"(<!doctype html>
<html>
<head><meta charset="utf-8"><title>web_chat</title></head>
<body data-state="connecting">
<ul id="log"></ul>
<form id="form"><input id="text" autocomplete="off"><button>Send</button></form>
<script>
const log = document.getElementById('log');
const chat = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') +
                           location.host + '/chat');
chat.onopen = () => {
  document.body.dataset.state = 'open';
  const say = new URLSearchParams(location.search).get('say');
  if (say) chat.send(say);
};
chat.onmessage = (e) => {
  const line = document.createElement('li');
  line.textContent = e.data;
  log.appendChild(line);
};
chat.onclose = () => { document.body.dataset.state = 'closed'; };
document.getElementById('form').onsubmit = (e) => {
  e.preventDefault();
  const text = document.getElementById('text');
  chat.send(text.value);
  text.value = '';
};
</script>
</body>
</html>
)";

// A connected client: its WebSocket and the messages waiting to be written to it.
struct client {
  http::websocket socket;
  eventlet::queue<std::string> outbox{max_backlog};
};
std::set<std::shared_ptr<client>> clients;

// Relays `text` to every client; one that is too far behind is disconnected.
void relay(const std::string& text) {
  for (const std::shared_ptr<client>& c : clients) {
    try {
      c->outbox.put_nowait(text);
    } catch (const queue_full&) {  // its close handshake waits: not here
      spawn_n([c] { c->socket.close(http::websocket_close::policy_violation, "too far behind"); });
    }
  }
}

// Serves one client until it leaves.
void chat(http::request& req, http::response& res) {
  auto me = std::make_shared<client>(http::accept_websocket(req, res));
  clients.insert(me);
  scope_exit leave([&] { clients.erase(me); });
  auto writer = spawn([me] {
    try {
      while (true) me->socket.send_text(me->outbox.get());
    } catch (const std::exception&) {  // closed: the reader ends too
      me->socket.close();
    }
  });
  try {
    while (auto message = me->socket.receive())
      if (message->opcode == http::websocket_opcode::text) relay(message->data);
  } catch (const std::exception& e) {  // a protocol error: the websocket has closed itself
    std::fprintf(stderr, "web_chat: %s\n", e.what());
  }
  writer.kill();
}

int main(int argc, char** argv) {
  const examples::command_line args(argc, argv, "web_chat [--port N] [--backdoor PATH]",
                                    {"--port", "--backdoor"});
  examples::block_stop_signals();  // before any thread starts
  try {
    hubs::get_hub();  // chooses the hub (EVENTLET_HUB) now: a bad choice fails before listening
    examples::serve_backdoor(args);
    green::socket listener = green::listen({"127.0.0.1", args.port(7000)});
    http::server server(listener, [](http::request& req, http::response& res) {
      if (req.path() == "/chat" && http::is_websocket_upgrade(req.head())) return chat(req, res);
      if (req.path() != "/") {
        res.set_status(404);
        return res.send("not found\n");
      }
      res.headers().add("Content-Type", "text/html; charset=utf-8");
      res.send(page);
    });
    // On a signal: up to 2 s for requests in flight; the chat websockets are closed then.
    examples::serve_until_signal(
        [&] {
          examples::announce(listener.getsockname());
          server.serve();
        },
        [&](auto&) { server.shutdown(2); });
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "web_chat: %s\n", e.what());
    return 1;
  }
}
