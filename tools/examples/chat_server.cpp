// chat_server: the seed's chat server (Listing 1). Each line a participant sends goes to every
// other participant, not back to its sender.
//
//   build/tools/examples/chat_server --port 3000      # then, in two terminals: nc 127.0.0.1 3000
//
// It listens on 127.0.0.1 (--port 0: the kernel picks the port), prints "listening on
// 127.0.0.1:PORT" once listening and serves until SIGINT or SIGTERM, which make it stop
// accepting, close the connections and exit with status 0 (stop_signal.hpp); joins and leaves
// are logged on stderr. EVENTLET_HUB picks the hub.
//
// Each participant has a greenthread reading its lines and one writing the lines meant for it
// from a queue, so nobody waits for anybody else's socket. A participant that reads more
// slowly than the others write, and falls more than max_backlog bytes behind, is disconnected
// (as IRC servers do, "SendQ exceeded"): the others never wait for it and memory stays bounded.
// A participant that leaves, or whose connection fails, is simply dropped.
#include <sys/socket.h>

#include <cstdio>
#include <exception>
#include <set>
#include <string>
#include <system_error>

#include "backdoor_option.hpp"
#include "command_line.hpp"
#include "eventlet.hpp"
#include "stop_signal.hpp"

using namespace eventlet;

// How far behind a participant may fall: bytes queued for it beyond what its socket holds.
constexpr std::size_t max_backlog = 1 << 20;

class participant;
std::set<participant*> participants;  // everyone in the chat

// A participant: its connection and the lines waiting to be written to it. It is in
// `participants` while it exists.
class participant {
 public:
  explicit participant(green::socket& connection)
      : connection_(connection), writer_(spawn([this] { write_forever(); })) {
    participants.insert(this);
  }
  ~participant() {
    participants.erase(this);
    writer_.kill();
  }

  // tell() queues `line` for this participant, or disconnects it if it is too far behind.
  void tell(const std::string& line) {
    if (too_slow_) return;
    if (backlog_ + line.size() > max_backlog) {
      too_slow_ = true;
      return disconnect();
    }
    backlog_ += line.size();
    outbox_.put_nowait(line);
  }

  // too_slow() tells whether it was disconnected for falling too far behind.
  bool too_slow() const { return too_slow_; }

 private:
  void write_forever() {
    green::stream out(connection_);
    try {
      for (;;) {
        const std::string line = outbox_.get();
        backlog_ -= line.size();
        out.write(line);
        if (outbox_.empty()) out.flush();
      }
    } catch (const std::system_error&) {
      disconnect();  // the connection failed: its reader sees it too
    }
  }

  // disconnect() shuts the connection down: its reader reads EOF and the participant leaves.
  void disconnect() { ::shutdown(connection_.fileno(), SHUT_RDWR); }

  green::socket& connection_;
  light_queue<std::string> outbox_;
  std::size_t backlog_ = 0;  // bytes in outbox_
  bool too_slow_ = false;
  greenthread<void> writer_;
};

// chat() serves one participant: every line it sends goes to all the others.
void chat(green::socket connection, green::address peer) {
  std::fprintf(stderr, "%s joined\n", peer.to_string().c_str());
  participant me(connection);
  std::string how = "left";
  try {
    green::stream in(connection);
    for (std::string line; !(line = in.readline()).empty();) {
      if (line.back() != '\n') line += '\n';  // the last line, cut short by EOF
      for (participant* p : participants)
        if (p != &me) p->tell(line);
      eventlet::sleep();  // lets the writers run, even while this participant's lines pour in
    }
  } catch (const std::exception& e) {
    how = std::string("dropped: ") + e.what();
  }
  if (me.too_slow()) how = "dropped: too far behind";
  std::fprintf(stderr, "%s %s\n", peer.to_string().c_str(), how.c_str());
}

int main(int argc, char** argv) {
  const examples::command_line args(argc, argv, "chat_server [--port N] [--backdoor PATH]",
                                    {"--port", "--backdoor"});
  examples::block_stop_signals();  // before any thread starts
  try {
    hubs::get_hub();  // chooses the hub (EVENTLET_HUB) now: a bad choice fails before listening
    examples::serve_backdoor(args);
    green::socket server = green::listen({"127.0.0.1", args.port(3000)});
    examples::serve_until_signal([&] {
      examples::announce(server.getsockname());
      green::serve(server, chat, /*concurrency=*/100'000);
    });
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chat_server: %s\n", e.what());
    return 1;
  }
}
