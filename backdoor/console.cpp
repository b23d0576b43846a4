#include "console.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

#include "../hubs/hub.hpp"
#include "debug.hpp"

namespace eventlet::backdoor {
namespace {

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// A client's word as an error message may quote it: printable ASCII, at most 40 bytes.
std::string quoted(std::string_view word) {
  std::string q;
  for (char c : word.substr(0, 40)) q += c >= 0x20 && c < 0x7f ? c : '?';
  return "'" + q + (word.size() > 40 ? "...'" : "'");
}

// kill ID: kills a greenthread of this hub, not the console's own.
std::string kill(std::string_view args) {
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(args.data(), args.data() + args.size(), id);
  if (ec != std::errc() || end != args.data() + args.size())
    throw std::invalid_argument("usage: kill ID (a number from the greenthreads listing)");
  hubs::hub& h = hubs::get_hub();
  for (hubs::task* t : h.tasks()) {
    if (t->id() != id) continue;
    if (&t->greenlet() == getcurrent())
      throw std::invalid_argument("greenthread #" + std::to_string(id) + " is this console");
    t->kill();
    return "killed #" + std::to_string(id) + "\n";
  }
  throw std::invalid_argument("no greenthread #" + std::to_string(id));
}

}  // namespace

console::console() {
  const auto builtin = [this](const char* name, const char* help, command fn) {
    commands_[name] = {help, std::move(fn), true};
  };
  builtin("greenthreads", "every greenthread: id, name, state, age and where it waits",
          [](std::string_view) { return debug::format_greenthreads(true); });
  builtin("hub", "the hub: backend, listeners, timers, run queue, loop passes, slow callbacks",
          [](std::string_view) { return debug::format_hub(); });
  builtin("tpool", "the thread pool: threads, idle threads, queued calls",
          [](std::string_view) { return debug::format_tpool(); });
  builtin("pools", "the registered pools and their figures",
          [](std::string_view) { return debug::format_pools(); });
  builtin("kill", "kill ID: kill greenthread ID", &kill);
  builtin("help", "this list", nullptr);  // answered by answer() itself: a copy has its own list
  builtin("quit", "close this connection", [](std::string_view) { return std::string("bye\n"); });
}

void console::add(std::string name, std::string help, command fn) {
  if (!valid_name(name))
    throw std::invalid_argument("console::add: a command name is 1-64 letters, digits, '_', '-'");
  if (!fn) throw std::invalid_argument("console::add: empty function for " + name);
  const auto it = commands_.find(name);
  if (it != commands_.end() && it->second.builtin)
    throw std::invalid_argument("console::add: '" + name + "' is a built-in command");
  commands_[std::move(name)] = {std::move(help), std::move(fn), false};
}

std::string console::help() const {
  std::string out;
  for (const auto& [name, e] : commands_) out += name + ": " + e.help + "\n";
  return out;
}

std::string console::answer(std::string_view line, bool& quit) {
  line = trim(line);
  if (line.empty()) return "";
  const std::size_t space = line.find_first_of(" \t");
  const std::string_view name = line.substr(0, space);
  const std::string_view args = space == line.npos ? "" : trim(line.substr(space));
  const auto it = commands_.find(name);
  if (it == commands_.end()) return "error: unknown command " + quoted(name) + "; try help\n";
  quit = name == "quit";
  if (!it->second.fn) return help();
  try {
    std::string reply = it->second.fn(args);
    if (!reply.empty() && reply.back() != '\n') reply += '\n';
    return reply;
  } catch (const std::exception& e) {
    return std::string("error: ") + e.what() + "\n";
  }
}

}  // namespace eventlet::backdoor
