// backdoor::console: the commands of the backdoor console and how a line is answered, apart
// from any socket (serve.hpp reads the lines and writes the replies).
//
// Built in: greenthreads, hub, tpool, pools, kill ID, help, quit. The application adds its own:
//
//   backdoor::console c;
//   c.add("stats", "request counters", [&](std::string_view) { return counters.format(); });
//   backdoor::serve(listener, {}, c);
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "../base/export.hpp"

namespace eventlet::backdoor {

class EVENTLET_API console {
 public:
  // A command: given the rest of the line (trimmed), returns the reply text. What it throws
  // (std::exception) becomes the reply "error: <what()>".
  using command = std::function<std::string(std::string_view args)>;

  // console() makes a console with the built-in commands.
  console();

  // add() adds (or replaces) a command named `name` (letters, digits, '_', '-'), with one
  // line of help. Throws std::invalid_argument for a bad name, an empty function, or a
  // built-in's name.
  void add(std::string name, std::string help, command fn);

  // answer() answers one line: the reply text, each line ending in '\n'; `quit` is set when
  // the client asked to leave. A bad line, an unknown command or a command that throws a
  // std::exception is answered with "error: ..."; only greenlet_exit (the console's own
  // greenthread killed meanwhile) goes through.
  std::string answer(std::string_view line, bool& quit);

 private:
  struct entry {
    std::string help;
    command fn;
    bool builtin;
  };
  std::string help() const;
  std::map<std::string, entry, std::less<>> commands_;
};

}  // namespace eventlet::backdoor
